// Weeks and months of the team calendar (pure logic, unit-tested).
// A local date is held as date::sys_days (a day count, no time zone).
#pragma once

#include <date/date.h>

#include <optional>
#include <string>

namespace salesfollow::report_worker {

using LocalDate = date::sys_days;

// Monday of the ISO week holding `day`.
LocalDate week_start_of(LocalDate day);
// First day of the month holding `day`.
LocalDate month_start_of(LocalDate day);
LocalDate next_month_start(LocalDate month_start);

std::string to_text(LocalDate day);  // "2024-03-04"
std::optional<LocalDate> parse_date(const std::string& text);
std::string iso_week_name(LocalDate monday);  // "2024-W10"
// Accepts "2024-03-04" (any day of the week) or "2024-W10"; the week's Monday.
std::optional<LocalDate> parse_week(const std::string& text);
// Accepts "2024-03"; the month's first day.
std::optional<LocalDate> parse_month(const std::string& text);

}  // namespace salesfollow::report_worker
