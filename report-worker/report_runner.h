// One pass of the report worker: under a MySQL named lock (one runner across
// replicas), find the weeks and months that changed since the watermark,
// recompute each in its own transaction, then advance the watermark and
// record the run. A pass killed half way leaves whole periods and the old
// watermark, so the next pass recomputes what is left (recomputing is
// idempotent).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "periods.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/common/team_calendar.h"
#include "salesfollow/v1/report.pb.h"

namespace salesfollow::report_worker {

class ReportMetrics {
 public:
  explicit ReportMetrics(prometheus::Registry& registry);
  prometheus::Registry& registry;
  prometheus::Gauge& last_success;
  prometheus::Histogram& duration;
  prometheus::Counter& rows_written;
  prometheus::Counter& failures;
  prometheus::Counter& periods;
  prometheus::Family<prometheus::Gauge>& customers_by_stage;
  prometheus::Family<prometheus::Gauge>& share_by_stage;
  prometheus::Gauge& new_this_week;
  prometheus::Family<prometheus::Gauge>& losses_this_week;
  prometheus::Gauge& overdue;
};

struct PassRequest {
  std::string trigger = "scheduled";  // scheduled | manual | backfill
  std::optional<std::pair<LocalDate, LocalDate>> backfill;
};

class ReportRunner {
 public:
  ReportRunner(ConnectionPool& write_db, ConnectionPool& read_db, const Clock& clock,
               const TeamCalendar& calendar, ReportMetrics& metrics);

  // Runs a pass; returns its run record. When another runner holds the lock,
  // waits up to `lock_wait` and then returns nullopt (nothing done).
  std::optional<v1::ReportRun> run(const PassRequest& request, std::chrono::seconds lock_wait);

 private:
  // What a pass recomputes: for each week the tables a change can move
  // (week_part bits), and the months.
  struct Dirty {
    std::map<LocalDate, unsigned> weeks;
    std::set<LocalDate> months;
  };
  // A customer's values that the new-customer rows count by, as the last
  // pass saw them (report_customer_snapshot).
  struct SnapshotRow {
    long long customer = 0;
    std::string first_contact, source, industry, created_at;
    bool deleted = false;
  };
  Dirty find_changes(soci::session& sql, TimePoint since, LocalDate current_week,
                     LocalDate current_month, std::optional<LocalDate> last_week,
                     std::optional<LocalDate> last_month, std::vector<SnapshotRow>& changed);
  static void save_snapshot(soci::session& sql, const std::vector<SnapshotRow>& changed);
  void refresh_gauges(soci::session& write, soci::session& read, LocalDate current_week,
                      TimePoint now);

  ConnectionPool& write_db_;
  ConnectionPool& read_db_;
  const Clock& clock_;
  const TeamCalendar& calendar_;
  ReportMetrics& metrics_;
};

}  // namespace salesfollow::report_worker
