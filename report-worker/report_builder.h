// Recomputes the summary rows of one week or one month from the source
// tables (customers, stage_events, owner_events, follow_ups). Reads may come
// from a replica session; the rows are replaced in one transaction on the
// primary, so readers see the old rows or the new ones, never a mix.
#pragma once

#include <soci/soci.h>

#include "periods.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/team_calendar.h"
#include "stage_counts.h"

namespace salesfollow::report_worker {

// The tables of a week. A change moves only some of them (a transfer today
// cannot move the new customers of an old week), and a pass recomputes only
// those.
namespace week_part {
inline constexpr unsigned kNewCustomers = 1U << 0U;
inline constexpr unsigned kStages = 1U << 1U;
inline constexpr unsigned kLosses = 1U << 2U;
inline constexpr unsigned kWins = 1U << 3U;
inline constexpr unsigned kTransitions = 1U << 4U;
inline constexpr unsigned kEvents = kLosses | kWins | kTransitions;
inline constexpr unsigned kAll = kNewCustomers | kStages | kEvents;
}  // namespace week_part

// Where the stage counts at a period's end come from (see stage_counts.h).
enum class StageSource {
  kHistory,         // the whole history: exact whatever is stored
  kPreviousPeriod,  // the previous period's stored rows plus what happened since
};

class ReportBuilder {
 public:
  ReportBuilder(soci::session& read, soci::session& write, const TeamCalendar& calendar)
      : read_(read), write_(write), calendar_(calendar) {}

  // Both return the number of rows written.
  long long rebuild_week(LocalDate monday, unsigned parts, StageSource source, TimePoint now);
  long long rebuild_month(LocalDate first_day, StageSource source, TimePoint now);

 private:
  TimePoint start_of(LocalDate day) const;
  StageCounts counts_at(TimePoint end, StageSource source,
                        const std::optional<StageCounts>& previous, TimePoint previous_end);
  long long write_new_customers(const std::string& week, LocalDate monday);
  long long write_stages(const std::string& week, LocalDate monday, const StageCounts& counts);
  long long write_losses(const std::string& week, TimePoint start, TimePoint end);
  long long write_wins(const std::string& week, TimePoint start, TimePoint end);
  long long write_transitions(const std::string& week, TimePoint start, TimePoint end);
  void record_period(const char* kind, const std::string& period, TimePoint now);

  soci::session& read_;
  soci::session& write_;
  const TeamCalendar& calendar_;
};

}  // namespace salesfollow::report_worker
