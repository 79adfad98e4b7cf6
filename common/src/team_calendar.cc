#include "salesfollow/common/team_calendar.h"

#include <date/tz.h>

#include <sstream>
#include <stdexcept>

namespace salesfollow {

TeamCalendar::TeamCalendar(const std::string& zone_name) : zone_name_(zone_name) {
  try {
    zone_ = date::locate_zone(zone_name);
  } catch (const std::exception&) {
    throw std::invalid_argument("unknown time zone '" + zone_name + "'");
  }
}

std::string TeamCalendar::local_date(TimePoint t) const {
  const auto local = zone_->to_local(t);
  return date::format("%F", date::floor<date::days>(local));
}

TimePoint TeamCalendar::start_of_day(const std::string& local_date) const {
  std::istringstream in(local_date);
  date::local_days day;
  in >> date::parse("%F", day);
  if (in.fail()) throw std::invalid_argument("not a date: " + local_date);
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      zone_->to_sys(day, date::choose::earliest));
}

}  // namespace salesfollow
