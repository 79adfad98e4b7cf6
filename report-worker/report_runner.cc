#include "report_runner.h"

#include <fmt/format.h>

#include "report_builder.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/common/log.h"
#include "salesfollow/common/sql_util.h"

namespace salesfollow::report_worker {
namespace {

constexpr const char* kLockName = "salesfollow.report_worker";
// Changes are looked for from a little before the watermark: a transaction
// that took its time from the clock before the last pass but committed after
// it is still seen (recomputing a period twice is harmless).
constexpr auto kOverlap = std::chrono::minutes(2);

using Params = SqlParams;

const char* stage_label(int stage) {
  static constexpr std::array<const char*, 6> labels = {"none",           "potential", "intention",
                                                        "high_intention", "won",       "lost"};
  return labels.at(static_cast<std::size_t>(std::clamp(stage, 0, 5)));
}

}  // namespace

ReportMetrics::ReportMetrics(prometheus::Registry& r)
    : registry(r),
      last_success(prometheus::BuildGauge()
                       .Name("salesfollow_report_last_success_timestamp_seconds")
                       .Help("When the last report pass succeeded (product clock)")
                       .Register(r)
                       .Add({})),
      duration(prometheus::BuildHistogram()
                   .Name("salesfollow_report_run_duration_seconds")
                   .Help("Duration of report passes")
                   .Register(r)
                   .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.5, 1, 5, 10,
                                                                    30, 60, 300})),
      rows_written(prometheus::BuildCounter()
                       .Name("salesfollow_report_rows_written_total")
                       .Help("Summary rows written")
                       .Register(r)
                       .Add({})),
      failures(prometheus::BuildCounter()
                   .Name("salesfollow_report_failures_total")
                   .Help("Report passes that failed")
                   .Register(r)
                   .Add({})),
      periods(prometheus::BuildCounter()
                  .Name("salesfollow_report_periods_recomputed_total")
                  .Help("Weeks and months recomputed")
                  .Register(r)
                  .Add({})),
      customers_by_stage(prometheus::BuildGauge()
                             .Name("salesfollow_customers")
                             .Help("Customers per stage now (all live customers)")
                             .Register(r)),
      share_by_stage(prometheus::BuildGauge()
                         .Name("salesfollow_customers_share")
                         .Help("Share of customers per stage now (0..1)")
                         .Register(r)),
      new_this_week(prometheus::BuildGauge()
                        .Name("salesfollow_new_customers_this_week")
                        .Help("Customers whose first contact falls in the current week")
                        .Register(r)
                        .Add({})),
      losses_this_week(prometheus::BuildGauge()
                           .Name("salesfollow_losses_this_week")
                           .Help("Moves to lost recorded this week, by loss reason")
                           .Register(r)),
      overdue(prometheus::BuildGauge()
                  .Name("salesfollow_report_overdue_followups")
                  .Help("Planned follow-ups before today (team time), all owners")
                  .Register(r)
                  .Add({})) {
  for (int stage = 1; stage <= 5; ++stage) {
    customers_by_stage.Add({{"stage", stage_label(stage)}});
    share_by_stage.Add({{"stage", stage_label(stage)}});
  }
}

ReportRunner::ReportRunner(ConnectionPool& write_db, ConnectionPool& read_db, const Clock& clock,
                           const TeamCalendar& calendar, ReportMetrics& metrics)
    : write_db_(write_db),
      read_db_(read_db),
      clock_(clock),
      calendar_(calendar),
      metrics_(metrics) {}

ReportRunner::Dirty ReportRunner::find_changes(soci::session& sql, TimePoint since,
                                               LocalDate current_week, LocalDate current_month,
                                               std::optional<LocalDate> last_week,
                                               std::optional<LocalDate> last_month,
                                               std::vector<SnapshotRow>& changed) {
  namespace part = week_part;
  Dirty dirty;
  const auto local_day = [&](TimePoint t) { return *parse_date(calendar_.local_date(t)); };
  const auto mark_week = [&](LocalDate day, unsigned parts) {
    dirty.weeks[week_start_of(day)] |= parts;
  };
  // `parts` of every week from the one holding `day` up to the current one.
  const auto weeks_from = [&](LocalDate day, unsigned parts) {
    for (LocalDate w = week_start_of(day); w <= current_week; w += date::days{7}) {
      dirty.weeks[w] |= parts;
    }
  };
  const auto months_from = [&](LocalDate day) {
    for (LocalDate m = month_start_of(day); m <= current_month; m = next_month_start(m))
      dirty.months.insert(m);
  };
  // The week and month closing: the period that just ended gets its final
  // rows, and every period since (the worker may have been idle for weeks)
  // up to the current one gets its rows.
  if (last_week != current_week) weeks_from(last_week.value_or(current_week), part::kAll);
  if (last_month != current_month) months_from(last_month.value_or(current_month));

  const Params window = {{"since", to_sql_datetime(since)}};
  // Stage and owner events are stamped with the clock when they are written:
  // they move the stage counts at the end of their week and of every later
  // period; a stage event is also a loss, a win or a transition of its week.
  for (const auto& [table, parts] : {std::pair{"stage_events", part::kStages | part::kEvents},
                                     std::pair{"owner_events", part::kStages}}) {
    for_each_row(sql,
                 fmt::format("SELECT MIN({}) FROM {} WHERE created_at >= :since",
                             micros_of("created_at"), table),
                 window, [&](const soci::row& row) {
                   if (row.get_indicator(0) == soci::i_null) return;
                   const LocalDate day = local_day(from_micros(integer_at(row, 0)));
                   weeks_from(day, parts);
                   months_from(day);
                 });
  }
  // Customers created, edited, deleted or undeleted since: compare the values
  // the reports count by with what the last pass saw.
  std::vector<long long> first_contact_moved;
  for_each_row(
      sql,
      fmt::format(
          "SELECT c.id, DATE_FORMAT(c.first_contact_date, '%Y-%m-%d'), c.deleted, {}, "
          "c.source, c.industry, DATE_FORMAT(s.first_contact_date, '%Y-%m-%d'), "
          "s.deleted, s.source, s.industry, DATE_FORMAT(c.created_at, '%Y-%m-%d %H:%i:%s.%f') "
          "FROM customers c LEFT JOIN "
          "report_customer_snapshot s ON s.customer_id = c.id WHERE c.updated_at >= :since",
          micros_of("c.created_at")),
      window, [&](const soci::row& row) {
        SnapshotRow now{integer_at(row, 0), text_at(row, 1),  text_at(row, 4),
                        text_at(row, 5),    text_at(row, 10), integer_at(row, 2) != 0};
        const LocalDate first_contact = *parse_date(now.first_contact);
        const LocalDate created = local_day(from_micros(integer_at(row, 3)));
        const bool seen = row.get_indicator(6) != soci::i_null;
        if (seen) {
          const std::string seen_first_contact = text_at(row, 6);
          const bool seen_deleted = integer_at(row, 7) != 0;
          if (seen_first_contact == now.first_contact && seen_deleted == now.deleted &&
              text_at(row, 8) == now.source && text_at(row, 9) == now.industry) {
            return;  // e.g. a stage change or a transfer: their events say what moved
          }
          mark_week(*parse_date(seen_first_contact), part::kNewCustomers);
          mark_week(first_contact, part::kNewCustomers);
          if (seen_first_contact != now.first_contact) first_contact_moved.push_back(now.customer);
        } else {
          mark_week(first_contact, part::kNewCustomers);
        }
        if (seen ? (integer_at(row, 7) != 0) != now.deleted : now.deleted) {
          // Counted (or no longer counted) in every period since it existed.
          weeks_from(std::min(created, first_contact), part::kAll);
          months_from(created);
        }
        changed.push_back(std::move(now));
      });
  // The follow-up count of a won cycle: follow-ups logged since that happened
  // at or before the customer's first win, and any amendment (it may move when
  // a follow-up happened) count in the week of that win. A moved first
  // contact changes its cycle days.
  const auto mark_first_wins = [&](const std::string& query, const Params& params) {
    for_each_row(sql, query, params, [&](const soci::row& won) {
      mark_week(local_day(from_micros(integer_at(won, 0))), part::kWins);
    });
  };
  mark_first_wins(
      fmt::format(
          "SELECT {} FROM (SELECT se.customer_id, MIN(se.created_at) AS won_at FROM stage_events "
          "se JOIN (SELECT customer_id FROM follow_ups WHERE logged_at >= :since1 UNION SELECT "
          "f.customer_id FROM follow_up_amendments a JOIN follow_ups f ON f.id = a.follow_up_id "
          "WHERE a.amended_at >= :since2) touched ON touched.customer_id = se.customer_id WHERE "
          "se.to_stage = 4 GROUP BY se.customer_id) w WHERE EXISTS (SELECT 1 FROM follow_ups f "
          "WHERE f.customer_id = w.customer_id AND f.logged_at >= :since3 AND f.happened_at <= "
          "w.won_at) OR EXISTS (SELECT 1 FROM follow_up_amendments a JOIN follow_ups f ON f.id = "
          "a.follow_up_id WHERE f.customer_id = w.customer_id AND a.amended_at >= :since4)",
          micros_of("w.won_at")),
      {{"since1", to_sql_datetime(since)},
       {"since2", to_sql_datetime(since)},
       {"since3", to_sql_datetime(since)},
       {"since4", to_sql_datetime(since)}});
  for (std::size_t i = 0; i < first_contact_moved.size(); i += 500) {
    std::string ids;
    for (std::size_t j = i; j < std::min(first_contact_moved.size(), i + 500); ++j) {
      ids += (ids.empty() ? "" : ",") + std::to_string(first_contact_moved[j]);
    }
    mark_first_wins(fmt::format("SELECT {} FROM stage_events WHERE to_stage = 4 AND customer_id "
                                "IN ({}) GROUP BY customer_id",
                                micros_of("MIN(created_at)"), ids),
                    {});
  }
  // A week's change in percentage points depends on the week before it.
  std::vector<LocalDate> stages_moved;
  for (const auto& [week, parts] : dirty.weeks) {
    if ((parts & part::kStages) != 0U) stages_moved.push_back(week);
  }
  for (const LocalDate week : stages_moved) {
    if (week + date::days{7} <= current_week) dirty.weeks[week + date::days{7}] |= part::kStages;
  }
  return dirty;
}

void ReportRunner::save_snapshot(soci::session& sql, const std::vector<SnapshotRow>& changed) {
  std::string tuples;
  std::size_t pending = 0;
  const auto flush = [&] {
    if (tuples.empty()) return;
    sql << "INSERT INTO report_customer_snapshot (customer_id, first_contact_date, deleted, "
           "created_at, source, industry) VALUES " +
               tuples +
               " ON DUPLICATE KEY UPDATE first_contact_date = VALUES(first_contact_date), deleted "
               "= VALUES(deleted), created_at = VALUES(created_at), source = VALUES(source), "
               "industry = VALUES(industry)";
    tuples.clear();
    pending = 0;
  };
  for (const auto& row : changed) {
    tuples += fmt::format("{}({}, {}, {}, {}, {}, {})", tuples.empty() ? "" : ",", row.customer,
                          sql_quote(sql, row.first_contact), row.deleted ? 1 : 0,
                          sql_quote(sql, row.created_at), sql_quote(sql, row.source),
                          sql_quote(sql, row.industry));
    if (++pending >= 500) flush();
  }
  flush();
}

void ReportRunner::refresh_gauges(soci::session& write, soci::session& read, LocalDate current_week,
                                  TimePoint now) {
  // The summary tables are read on the primary (just written); the source
  // tables wherever the aggregations read.
  const std::string week = to_text(current_week);
  for_each_row(write,
               "SELECT stage, customers, share FROM report_weekly_stages WHERE week_start = :week "
               "AND owner_id = ''",
               {{"week", week}}, [&](const soci::row& row) {
                 const int stage = static_cast<int>(integer_at(row, 0));
                 metrics_.customers_by_stage.Add({{"stage", stage_label(stage)}})
                     .Set(static_cast<double>(integer_at(row, 1)));
                 metrics_.share_by_stage.Add({{"stage", stage_label(stage)}})
                     .Set(row.get_indicator(2) == soci::i_null ? 0.0 : row.get<double>(2));
               });
  for_each_row(write,
               "SELECT COALESCE(SUM(customers), 0) FROM report_weekly_new_customers WHERE "
               "week_start = :week",
               {{"week", week}}, [&](const soci::row& row) {
                 metrics_.new_this_week.Set(static_cast<double>(integer_at(row, 0)));
               });
  for_each_row(write, "SELECT code FROM dictionary_entries WHERE kind = 'loss_reason'", {},
               [&](const soci::row& row) {
                 metrics_.losses_this_week.Add({{"reason", text_at(row, 0)}}).Set(0);
               });
  for_each_row(write,
               "SELECT loss_reason, SUM(losses) FROM report_weekly_losses WHERE week_start = :week "
               "GROUP BY loss_reason",
               {{"week", week}}, [&](const soci::row& row) {
                 metrics_.losses_this_week.Add({{"reason", text_at(row, 0)}})
                     .Set(static_cast<double>(integer_at(row, 1)));
               });
  // Plans before today minus those of deleted customers: two index ranges
  // (the plan index, then the few deleted customers), where a join of every
  // overdue plan with its customer took 10 s at 1M customers.
  const std::string today = to_sql_datetime(calendar_.start_of_day(calendar_.local_date(now)));
  for_each_row(read,
               "SELECT (SELECT COUNT(*) FROM follow_up_plans WHERE plan_at < :today1) - (SELECT "
               "COUNT(*) FROM customers c JOIN follow_up_plans p ON p.customer_id = c.id WHERE "
               "c.deleted = 1 AND p.plan_at < :today2)",
               {{"today1", today}, {"today2", today}}, [&](const soci::row& row) {
                 metrics_.overdue.Set(static_cast<double>(integer_at(row, 0)));
               });
}

std::optional<v1::ReportRun> ReportRunner::run(const PassRequest& request,
                                               std::chrono::seconds lock_wait) {
  auto lease = write_db_.acquire(std::chrono::seconds(10));
  soci::session& sql = lease.session();
  int locked = 0;
  soci::indicator locked_indicator = soci::i_ok;
  const long long wait = lock_wait.count();
  const std::string lock_name = kLockName;
  sql << "SELECT GET_LOCK(:name, :wait)", soci::use(lock_name), soci::use(wait),
      soci::into(locked, locked_indicator);
  if (locked_indicator != soci::i_ok || locked != 1) return std::nullopt;
  struct Unlock {
    soci::session& sql;
    ~Unlock() {
      try {
        int released = 0;
        soci::indicator ind = soci::i_ok;
        sql << "SELECT RELEASE_LOCK('salesfollow.report_worker')", soci::into(released, ind);
      } catch (...) {  // NOLINT(bugprone-empty-catch): the lock dies with the connection
      }
    }
  } unlock{sql};

  const auto started_steady = std::chrono::steady_clock::now();
  const TimePoint started = clock_.now();
  const std::string started_text = to_sql_datetime(started);
  sql << "INSERT INTO report_runs (started_at, run_trigger, periods_recomputed, rows_written, "
         "error) "
         "VALUES (:at, :trigger, 0, 0, '')",
      soci::use(started_text), soci::use(request.trigger);
  const auto run_id = static_cast<long long>(last_insert_id(sql));

  v1::ReportRun record;
  record.set_name(fmt::format("reportRuns/{}", run_id));
  *record.mutable_start_time() = to_timestamp(started);
  record.set_trigger(request.trigger);
  int periods = 0;
  long long rows = 0;
  std::string error;
  try {
    const LocalDate today = *parse_date(calendar_.local_date(started));
    const LocalDate current_week = week_start_of(today);
    const LocalDate current_month = month_start_of(today);
    std::optional<TimePoint> changes_until;
    std::optional<LocalDate> last_week, last_month;
    for_each_row(
        sql,
        fmt::format("SELECT {}, DATE_FORMAT(current_week, '%Y-%m-%d'), DATE_FORMAT(current_month, "
                    "'%Y-%m-%d') FROM report_state WHERE id = 1",
                    micros_of("changes_until")),
        {}, [&](const soci::row& row) {
          if (row.get_indicator(0) != soci::i_null) changes_until = from_micros(integer_at(row, 0));
          if (row.get_indicator(1) != soci::i_null) last_week = parse_date(text_at(row, 1));
          if (row.get_indicator(2) != soci::i_null) last_month = parse_date(text_at(row, 2));
        });

    Dirty dirty;
    std::vector<SnapshotRow> changed;
    // The stage counts of the first period of a backfill or of a first pass
    // come from the whole history; every later one from the period before
    // it, just written. A scheduled pass starts from periods it did not
    // touch, so their stored rows are current (stage_counts.h).
    const bool first_from_history = request.backfill || !changes_until;
    const auto all_weeks_and_months = [&](LocalDate from, LocalDate to) {
      for (LocalDate w = week_start_of(from); w <= to; w += date::days{7}) {
        dirty.weeks[w] = week_part::kAll;
      }
      for (LocalDate m = month_start_of(from); m <= to; m = next_month_start(m)) {
        dirty.months.insert(m);
      }
    };
    auto read_lease = read_db_.acquire(std::chrono::seconds(10));
    if (request.backfill) {
      all_weeks_and_months(request.backfill->first, request.backfill->second);
    } else if (changes_until) {
      dirty = find_changes(read_lease.session(), *changes_until - kOverlap, current_week,
                           current_month, last_week, last_month, changed);
    } else {
      // First pass: every period since the oldest data (first contact or
      // creation, as a team-time day), and at least the current ones.
      LocalDate oldest = today;
      for_each_row(
          read_lease.session(),
          fmt::format("SELECT DATE_FORMAT(MIN(first_contact_date), '%Y-%m-%d'), {} FROM customers",
                      micros_of("MIN(created_at)")),
          {}, [&](const soci::row& row) {
            if (row.get_indicator(0) == soci::i_null) return;
            const LocalDate created =
                *parse_date(calendar_.local_date(from_micros(integer_at(row, 1))));
            oldest = std::min({oldest, *parse_date(text_at(row, 0)), created});
          });
      all_weeks_and_months(oldest, today);
    }
    auto write_lease = write_db_.acquire(std::chrono::seconds(10));
    ReportBuilder builder(read_lease.session(), write_lease.session(), calendar_);
    bool first = true;
    for (const auto& [week, parts] : dirty.weeks) {  // ascending: each week reads the one before
      const bool from_history = first && first_from_history;
      rows += builder.rebuild_week(
          week, parts, from_history ? StageSource::kHistory : StageSource::kPreviousPeriod,
          clock_.now());
      first = false;
      ++periods;
    }
    first = true;
    for (const auto& month : dirty.months) {
      const bool from_history = first && first_from_history;
      rows += builder.rebuild_month(
          month, from_history ? StageSource::kHistory : StageSource::kPreviousPeriod, clock_.now());
      first = false;
      ++periods;
    }
    if (!request.backfill) {
      // The watermark moves only after every period is written, with the
      // snapshot of exactly the customer values this pass counted.
      soci::transaction transaction(sql);
      if (changes_until) {
        save_snapshot(sql, changed);
      } else {
        sql << "INSERT INTO report_customer_snapshot (customer_id, first_contact_date, deleted, "
               "created_at, source, industry) SELECT id, first_contact_date, deleted, created_at, "
               "source, industry FROM customers ON DUPLICATE KEY UPDATE first_contact_date = "
               "VALUES(first_contact_date), deleted = VALUES(deleted), created_at = "
               "VALUES(created_at), source = VALUES(source), industry = VALUES(industry)";
      }
      const std::string until = started_text;
      const std::string week_text = to_text(current_week);
      const std::string month_text = to_text(current_month);
      sql << "INSERT INTO report_state (id, changes_until, current_week, current_month, "
             "updated_at) "
             "VALUES (1, :until, :week, :month, :now) ON DUPLICATE KEY UPDATE changes_until = "
             "VALUES(changes_until), current_week = VALUES(current_week), current_month = "
             "VALUES(current_month), updated_at = VALUES(updated_at)",
          soci::use(until), soci::use(week_text), soci::use(month_text), soci::use(until);
      transaction.commit();
    }
    refresh_gauges(sql, read_lease.session(), current_week, started);
  } catch (const std::exception& e) {
    error = e.what();
    metrics_.failures.Increment();
    log::error("report_pass_failed", {{"error", error}});
  }
  const TimePoint finished = clock_.now();
  const std::string finished_text = to_sql_datetime(finished);
  const std::string stored_error = error.substr(0, 2000);
  try {
    sql << "UPDATE report_runs SET finished_at = :at, periods_recomputed = :periods, rows_written "
           "= "
           ":rows, error = :error WHERE id = :id",
        soci::use(finished_text), soci::use(periods), soci::use(rows), soci::use(stored_error),
        soci::use(run_id);
  } catch (const std::exception& e) {
    log::error("report_run_record_failed", {{"error", e.what()}});
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_steady).count();
  metrics_.duration.Observe(seconds);
  metrics_.rows_written.Increment(static_cast<double>(rows));
  metrics_.periods.Increment(periods);
  if (error.empty()) {
    metrics_.last_success.Set(static_cast<double>(
        std::chrono::duration_cast<std::chrono::seconds>(finished.time_since_epoch()).count()));
  }
  log::info("report_pass", {{"trigger", request.trigger},
                            {"periods", periods},
                            {"rows", rows},
                            {"seconds", seconds},
                            {"error", error}});
  *record.mutable_end_time() = to_timestamp(finished);
  record.set_periods_recomputed(periods);
  record.set_rows_written(rows);
  record.set_error(error);
  return record;
}

}  // namespace salesfollow::report_worker
