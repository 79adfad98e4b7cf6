#include "periods.h"

#include <date/iso_week.h>
#include <fmt/format.h>

#include <sstream>

namespace salesfollow::report_worker {

LocalDate week_start_of(LocalDate day) {
  const date::weekday weekday{day};
  return day - (weekday - date::Monday);
}

LocalDate month_start_of(LocalDate day) {
  const date::year_month_day ymd{day};
  return date::sys_days{ymd.year() / ymd.month() / 1};
}

LocalDate next_month_start(LocalDate month_start) {
  const date::year_month_day ymd{month_start};
  return date::sys_days{(ymd.year() / ymd.month() + date::months{1}) / 1};
}

std::string to_text(LocalDate day) { return date::format("%F", day); }

std::optional<LocalDate> parse_date(const std::string& text) {
  if (text.size() != 10) return std::nullopt;
  std::istringstream in(text);
  LocalDate day;
  in >> date::parse("%F", day);
  if (in.fail()) return std::nullopt;
  return day;
}

std::string iso_week_name(LocalDate monday) {
  const iso_week::year_weeknum_weekday iso{monday};
  return fmt::format("{}-W{:02}", static_cast<int>(iso.year()), static_cast<unsigned>(iso.weeknum()));
}

std::optional<LocalDate> parse_week(const std::string& text) {
  if (text.size() == 8 && text[4] == '-' && text[5] == 'W') {
    try {
      const int year = std::stoi(text.substr(0, 4));
      const auto week = static_cast<unsigned>(std::stoi(text.substr(6, 2)));
      const iso_week::year_weeknum_weekday iso{iso_week::year{year}, iso_week::weeknum{week},
                                               iso_week::mon};
      if (!iso.ok()) return std::nullopt;
      return LocalDate{iso};
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  const auto day = parse_date(text);
  if (!day) return std::nullopt;
  return week_start_of(*day);
}

std::optional<LocalDate> parse_month(const std::string& text) {
  if (text.size() != 7) return std::nullopt;
  const auto day = parse_date(text + "-01");
  if (!day) return std::nullopt;
  return *day;
}

}  // namespace salesfollow::report_worker
