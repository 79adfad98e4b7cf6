#include "periods.h"

#include <date/iso_week.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>

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

namespace {

bool digits_at(const std::string& text, std::initializer_list<std::size_t> positions) {
  return std::all_of(positions.begin(), positions.end(), [&](std::size_t i) {
    return i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0;
  });
}

}  // namespace

std::optional<LocalDate> parse_date(const std::string& text) {
  // Exactly "YYYY-MM-DD" naming a real calendar day.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !digits_at(text, {0, 1, 2, 3, 5, 6, 8, 9})) {
    return std::nullopt;
  }
  const date::year_month_day day{date::year{std::stoi(text.substr(0, 4))},
                                 date::month{static_cast<unsigned>(std::stoi(text.substr(5, 2)))},
                                 date::day{static_cast<unsigned>(std::stoi(text.substr(8, 2)))}};
  if (!day.ok()) return std::nullopt;
  return LocalDate{day};
}

std::string iso_week_name(LocalDate monday) {
  const iso_week::year_weeknum_weekday iso{monday};
  return fmt::format("{}-W{:02}", static_cast<int>(iso.year()),
                     static_cast<unsigned>(iso.weeknum()));
}

std::optional<LocalDate> parse_week(const std::string& text) {
  if (text.size() == 8 && text[4] == '-' && text[5] == 'W' && digits_at(text, {0, 1, 2, 3, 6, 7})) {
    const int year = std::stoi(text.substr(0, 4));
    const auto week = static_cast<unsigned>(std::stoi(text.substr(6, 2)));
    const iso_week::year_weeknum_weekday iso{iso_week::year{year}, iso_week::weeknum{week},
                                             iso_week::mon};
    // ok() checks the week against the weeks the ISO year really has (52 or 53).
    if (week == 0 || !iso.ok()) return std::nullopt;
    return LocalDate{iso};
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
