// The team's calendar: instants are stored in UTC, days, weeks and months
// are cut in the team's time zone (default Asia/Shanghai), read from the
// operating system's tz database.
#pragma once

#include <string>

#include "salesfollow/common/clock.h"

namespace date {
class time_zone;
}

namespace salesfollow {

class TeamCalendar {
 public:
  // Throws std::invalid_argument for an unknown zone name.
  explicit TeamCalendar(const std::string& zone_name);

  const std::string& zone_name() const { return zone_name_; }
  // "YYYY-MM-DD" of the instant in team time.
  std::string local_date(TimePoint t) const;
  // The instant at which a local day ("YYYY-MM-DD") begins.
  TimePoint start_of_day(const std::string& local_date) const;

 private:
  std::string zone_name_;
  const date::time_zone* zone_;
};

}  // namespace salesfollow
