// Recomputes the summary rows of one week or one month from the source
// tables (customers, stage_events, owner_events, follow_ups). Reads may come
// from a replica session; the rows are replaced in one transaction on the
// primary, so readers see the old rows or the new ones, never a mix.
#pragma once

#include <soci/soci.h>

#include "periods.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/team_calendar.h"

namespace salesfollow::report_worker {

class ReportBuilder {
 public:
  ReportBuilder(soci::session& read, soci::session& write, const TeamCalendar& calendar)
      : read_(read), write_(write), calendar_(calendar) {}

  // Both return the number of rows written.
  long long rebuild_week(LocalDate monday, TimePoint now);
  long long rebuild_month(LocalDate first_day, TimePoint now);

 private:
  TimePoint start_of(LocalDate day) const;

  soci::session& read_;
  soci::session& write_;
  const TeamCalendar& calendar_;
};

}  // namespace salesfollow::report_worker
