#include "report_builder.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <vector>

#include "salesfollow/common/sql_util.h"

namespace salesfollow::report_worker {
namespace {

// Rows of the biggest queries (a week's wins and transitions: 244,000
// transitions in the busiest week of the 1M-customer benchmark) are read in
// slices of stage event ids, so the worker's memory does not grow with the
// data: SOCI's MySQL backend buffers a whole result set in the client.
constexpr long long kEventIdSlice = 20000;

std::string sql_double(std::optional<double> value) {
  return value ? fmt::format("{:.17g}", *value) : "NULL";
}

// Appends "(...),(...)" tuples and sends them as multi-row INSERTs.
class RowWriter {
 public:
  RowWriter(soci::session& sql, std::string prefix) : sql_(sql), prefix_(std::move(prefix)) {}
  void add(const std::string& tuple) {
    tuples_ += (tuples_.empty() ? "" : ",") + tuple;
    ++rows_;
    if (++pending_ >= 500) flush();
  }
  long long finish() {
    flush();
    return rows_;
  }

 private:
  void flush() {
    if (tuples_.empty()) return;
    sql_ << prefix_ + tuples_;
    tuples_.clear();
    pending_ = 0;
  }
  soci::session& sql_;
  std::string prefix_;
  std::string tuples_;
  int pending_ = 0;
  long long rows_ = 0;
};

// Calls `each(first_id, last_id)` for consecutive slices of the ids of the
// stage events recorded in [start, end).
template <typename Each>
void for_each_event_slice(soci::session& read, TimePoint start, TimePoint end, Each&& each) {
  long long first = 0;
  long long last = -1;
  for_each_row(read,
               "SELECT MIN(id), MAX(id) FROM stage_events WHERE created_at >= :start AND "
               "created_at < :end",
               {{"start", to_sql_datetime(start)}, {"end", to_sql_datetime(end)}},
               [&](const soci::row& row) {
                 if (row.get_indicator(0) == soci::i_null) return;
                 first = integer_at(row, 0);
                 last = integer_at(row, 1);
               });
  for (long long from = first; from <= last; from += kEventIdSlice) {
    each(from, std::min(last, from + kEventIdSlice - 1));
  }
}

SqlParams slice_params(TimePoint start, TimePoint end, long long first, long long last) {
  return {{"first", std::to_string(first)},
          {"last", std::to_string(last)},
          {"start", to_sql_datetime(start)},
          {"end", to_sql_datetime(end)}};
}

constexpr std::array<const char*, 5> kWeeklyTables = {
    "report_weekly_new_customers", "report_weekly_stages", "report_weekly_losses",
    "report_weekly_wins", "report_weekly_transitions"};

}  // namespace

TimePoint ReportBuilder::start_of(LocalDate day) const {
  return calendar_.start_of_day(to_text(day));
}

StageCounts ReportBuilder::counts_at(TimePoint end, StageSource source,
                                     const std::optional<StageCounts>& previous,
                                     TimePoint previous_end) {
  if (source == StageSource::kPreviousPeriod && previous) {
    if (auto advanced = previous->advance(read_, previous_end, end)) return std::move(*advanced);
  }
  return StageCounts::at(read_, end);
}

long long ReportBuilder::rebuild_week(LocalDate monday, unsigned parts, StageSource source,
                                      TimePoint now) {
  const LocalDate next_monday = monday + date::days{7};
  const TimePoint start = start_of(monday);
  const TimePoint end = start_of(next_monday);
  const std::string week = to_text(monday);

  // The stage counts are read before the transaction: the slow part, and it
  // needs no lock.
  std::optional<StageCounts> stages;
  if ((parts & week_part::kStages) != 0U) {
    std::optional<StageCounts> previous;
    if (source == StageSource::kPreviousPeriod) {
      previous = StageCounts::stored_week(write_, monday - date::days{7});
    }
    stages = counts_at(end, source, previous, start);
  }

  soci::transaction transaction(write_);
  long long rows = 0;
  for (std::size_t i = 0; i < kWeeklyTables.size(); ++i) {
    if ((parts & (1U << i)) == 0U) continue;
    write_ << fmt::format("DELETE FROM {} WHERE week_start = {}", kWeeklyTables.at(i),
                          sql_quote(write_, week));
  }
  if ((parts & week_part::kNewCustomers) != 0U) rows += write_new_customers(week, monday);
  if (stages) rows += write_stages(week, monday, *stages);
  if ((parts & week_part::kLosses) != 0U) rows += write_losses(week, start, end);
  if ((parts & week_part::kWins) != 0U) rows += write_wins(week, start, end);
  if ((parts & week_part::kTransitions) != 0U) rows += write_transitions(week, start, end);
  record_period("week", week, now);
  transaction.commit();
  return rows;
}

long long ReportBuilder::write_new_customers(const std::string& week, LocalDate monday) {
  RowWriter writer(write_,
                   "INSERT INTO report_weekly_new_customers (week_start, owner_id, team_id, "
                   "source, industry, customers) VALUES ");
  const auto q = [&](const std::string& value) { return sql_quote(write_, value); };
  // The owner is the one the customer was created with (its first owner
  // event), not today's.
  for_each_row(read_,
               "SELECT COALESCE(o.to_owner, c.owner_id), COALESCE(o.to_team, c.team_id), c.source, "
               "c.industry, COUNT(*) FROM customers c LEFT JOIN owner_events o ON o.customer_id = "
               "c.id AND o.from_owner IS NULL WHERE c.deleted = 0 AND c.first_contact_date >= "
               ":first AND c.first_contact_date < :next GROUP BY 1, 2, 3, 4",
               {{"first", week}, {"next", to_text(monday + date::days{7})}},
               [&](const soci::row& row) {
                 writer.add(fmt::format("({}, {}, {}, {}, {}, {})", q(week), q(text_at(row, 0)),
                                        q(text_at(row, 1)), q(text_at(row, 2)), q(text_at(row, 3)),
                                        integer_at(row, 4)));
               });
  return writer.finish();
}

long long ReportBuilder::write_stages(const std::string& week, LocalDate monday,
                                      const StageCounts& counts) {
  const auto q = [&](const std::string& value) { return sql_quote(write_, value); };
  // Previous week's shares, for the week-over-week change, from the primary
  // (this pass may just have written them). Owner rows exist only for the
  // stages an owner had: a stage without a row had share 0 when the owner had
  // customers that week (existing > 0).
  std::map<std::pair<std::string, int>, std::optional<double>> previous_share;
  std::map<std::string, long long> previous_existing;
  for_each_row(
      write_,
      "SELECT owner_id, stage, share, existing FROM report_weekly_stages WHERE week_start = :week",
      {{"week", to_text(monday - date::days{7})}}, [&](const soci::row& row) {
        std::optional<double> share;
        if (row.get_indicator(2) != soci::i_null) share = row.get<double>(2);
        previous_share[{text_at(row, 0), static_cast<int>(integer_at(row, 1))}] = share;
        previous_existing[text_at(row, 0)] = integer_at(row, 3);
      });
  const auto share_before = [&](const std::string& owner, int stage) -> std::optional<double> {
    if (const auto found = previous_share.find({owner, stage}); found != previous_share.end()) {
      return found->second;
    }
    const auto existing = previous_existing.find(owner);
    if (existing != previous_existing.end() && existing->second > 0) return 0.0;
    return std::nullopt;
  };

  // One row per owner and stage: an owner with customers in two teams (a rep
  // who moved) is shown with the last team in order.
  struct OwnerCounts {
    std::string team;
    std::map<int, long long> by_stage;
  };
  std::map<std::string, OwnerCounts> by_owner;
  std::map<int, long long> total = {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}};
  for (const auto& [key, n] : counts.entries()) {
    auto& owner = by_owner[key.owner];
    if (n > 0) owner.team = key.team;
    owner.by_stage[key.stage] += n;
    total[key.stage] += n;
  }
  RowWriter writer(write_,
                   "INSERT INTO report_weekly_stages (week_start, owner_id, team_id, stage, "
                   "customers, existing, share, change_pp) VALUES ");
  const auto emit = [&](const std::string& owner, const std::string& team,
                        const std::map<int, long long>& by_stage, bool keep_zeros) {
    long long existing = 0;
    for (const auto& [stage, n] : by_stage) existing += n;
    for (const auto& [stage, n] : by_stage) {
      if (n == 0 && !keep_zeros) continue;
      std::optional<double> share;
      if (existing > 0) share = static_cast<double>(n) / static_cast<double>(existing);
      std::optional<double> change;
      const auto previous = share_before(owner, stage);
      if (share && previous) change = (*share - *previous) * 100.0;
      writer.add(fmt::format("({}, {}, {}, {}, {}, {}, {}, {})", q(week), q(owner), q(team), stage,
                             n, existing, sql_double(share), sql_double(change)));
    }
  };
  // Totals (owner '') always get all five stages, so a week with no data
  // reads as zeros; owners get rows for the stages they have.
  emit("", "", total, true);
  for (const auto& [owner, data] : by_owner) emit(owner, data.team, data.by_stage, false);
  return writer.finish();
}

long long ReportBuilder::write_losses(const std::string& week, TimePoint start, TimePoint end) {
  const auto q = [&](const std::string& value) { return sql_quote(write_, value); };
  RowWriter writer(write_,
                   "INSERT INTO report_weekly_losses (week_start, owner_id, team_id, loss_reason, "
                   "losses) VALUES ");
  // STRAIGHT_JOIN: the week's events first. Left to itself the optimizer
  // starts from every live customer in the busiest weeks (10x slower).
  for_each_row(
      read_,
      "SELECT se.owner_id, se.team_id, COALESCE(se.loss_reason, 'other'), COUNT(*) FROM "
      "stage_events se STRAIGHT_JOIN customers c ON c.id = se.customer_id WHERE "
      "c.deleted = 0 AND se.to_stage = 5 AND se.from_stage IS NOT NULL AND se.created_at "
      ">= :start AND se.created_at < :end GROUP BY 1, 2, 3",
      {{"start", to_sql_datetime(start)}, {"end", to_sql_datetime(end)}},
      [&](const soci::row& row) {
        writer.add(fmt::format("({}, {}, {}, {}, {})", q(week), q(text_at(row, 0)),
                               q(text_at(row, 1)), q(text_at(row, 2)), integer_at(row, 3)));
      });
  return writer.finish();
}

long long ReportBuilder::write_wins(const std::string& week, TimePoint start, TimePoint end) {
  const auto q = [&](const std::string& value) { return sql_quote(write_, value); };
  RowWriter writer(write_,
                   "INSERT INTO report_weekly_wins (week_start, customer_id, owner_id, team_id, "
                   "cycle_days, follow_ups) VALUES ");
  // A customer's first win only; follow-ups that happened at or before it.
  const std::string query = fmt::format(
      "SELECT se.customer_id, se.owner_id, se.team_id, {}, DATE_FORMAT(c.first_contact_date, "
      "'%Y-%m-%d'), (SELECT COUNT(*) FROM follow_ups f WHERE f.customer_id = se.customer_id AND "
      "f.happened_at <= se.created_at) FROM stage_events se STRAIGHT_JOIN customers c ON c.id = "
      "se.customer_id WHERE se.id BETWEEN :first AND :last AND se.created_at >= :start AND "
      "se.created_at < :end AND se.to_stage = 4 AND se.from_stage IS NOT NULL AND c.deleted = 0 "
      "AND NOT EXISTS (SELECT 1 FROM stage_events e2 WHERE e2.customer_id = se.customer_id AND "
      "e2.to_stage = 4 AND (e2.created_at < se.created_at OR (e2.created_at = se.created_at AND "
      "e2.id < se.id)))",
      micros_of("se.created_at"));
  for_each_event_slice(read_, start, end, [&](long long first, long long last) {
    for_each_row(read_, query, slice_params(start, end, first, last), [&](const soci::row& row) {
      // Cycle days: the win's date in team time minus the first-contact date.
      const auto won_day = parse_date(calendar_.local_date(from_micros(integer_at(row, 3))));
      const auto first_day = parse_date(text_at(row, 4));
      const auto days = (won_day && first_day) ? (*won_day - *first_day).count() : 0;
      writer.add(fmt::format("({}, {}, {}, {}, {}, {})", q(week), integer_at(row, 0),
                             q(text_at(row, 1)), q(text_at(row, 2)), days, integer_at(row, 5)));
    });
  });
  return writer.finish();
}

long long ReportBuilder::write_transitions(const std::string& week, TimePoint start,
                                           TimePoint end) {
  const auto q = [&](const std::string& value) { return sql_quote(write_, value); };
  RowWriter writer(
      write_,
      "INSERT INTO report_weekly_transitions (week_start, stage_event_id, customer_id, "
      "owner_id, team_id, from_stage, to_stage, seconds_in_stage) VALUES ");
  // Time in stage: from the customer's previous stage event to this one.
  const std::string query = fmt::format(
      "SELECT se.id, se.customer_id, se.owner_id, se.team_id, se.from_stage, se.to_stage, {}, "
      "(SELECT {} FROM stage_events p WHERE p.customer_id = se.customer_id AND (p.created_at < "
      "se.created_at OR (p.created_at = se.created_at AND p.id < se.id)) ORDER BY p.created_at "
      "DESC, p.id DESC LIMIT 1) FROM stage_events se STRAIGHT_JOIN customers c ON c.id = "
      "se.customer_id WHERE se.id BETWEEN :first AND :last AND se.created_at >= :start AND "
      "se.created_at < :end AND se.from_stage IS NOT NULL AND c.deleted = 0",
      micros_of("se.created_at"), micros_of("p.created_at"));
  for_each_event_slice(read_, start, end, [&](long long first, long long last) {
    for_each_row(read_, query, slice_params(start, end, first, last), [&](const soci::row& row) {
      const long long at = integer_at(row, 6);
      const long long entered = row.get_indicator(7) == soci::i_null ? at : integer_at(row, 7);
      writer.add(fmt::format("({}, {}, {}, {}, {}, {}, {}, {})", q(week), integer_at(row, 0),
                             integer_at(row, 1), q(text_at(row, 2)), q(text_at(row, 3)),
                             integer_at(row, 4), integer_at(row, 5), (at - entered) / 1000000));
    });
  });
  return writer.finish();
}

void ReportBuilder::record_period(const char* kind, const std::string& period, TimePoint now) {
  // rows_written is what the period holds now, whichever of its tables this
  // pass rewrote, so it reads the same however the period was reached.
  const auto q = [&](const std::string& value) { return sql_quote(write_, value); };
  std::string held;
  if (std::string_view(kind) == "week") {
    for (const char* table : kWeeklyTables) {
      held += fmt::format("{}(SELECT COUNT(*) FROM {} WHERE week_start = {})",
                          held.empty() ? "" : " + ", table, q(period));
    }
  } else {
    held = fmt::format("(SELECT COUNT(*) FROM report_monthly_distribution WHERE month_start = {})",
                       q(period));
  }
  write_ << fmt::format(
      "INSERT INTO report_periods (kind, period_start, computed_at, rows_written) SELECT {}, {}, "
      "{}, {} ON DUPLICATE KEY UPDATE computed_at = VALUES(computed_at), rows_written = "
      "VALUES(rows_written)",
      q(kind), q(period), q(to_sql_datetime(now)), held);
}

long long ReportBuilder::rebuild_month(LocalDate first_day, StageSource source, TimePoint now) {
  const TimePoint start = start_of(first_day);
  const TimePoint end = start_of(next_month_start(first_day));
  const std::string month = to_text(first_day);
  const auto q = [&](const std::string& value) { return sql_quote(write_, value); };
  std::optional<StageCounts> previous;
  if (source == StageSource::kPreviousPeriod) {
    const date::year_month_day ymd{first_day};
    previous = StageCounts::stored_month(
        write_, date::sys_days{(ymd.year() / ymd.month() - date::months{1}) / 1});
  }
  StageCounts counts = counts_at(end, source, previous, start);
  if (counts.has_negative_entry()) counts = StageCounts::at(read_, end);
  soci::transaction transaction(write_);
  write_ << fmt::format("DELETE FROM report_monthly_distribution WHERE month_start = {}", q(month));
  RowWriter writer(write_,
                   "INSERT INTO report_monthly_distribution (month_start, owner_id, team_id, "
                   "stage, customers) VALUES ");
  for (const auto& [key, n] : counts.entries()) {
    writer.add(
        fmt::format("({}, {}, {}, {}, {})", q(month), q(key.owner), q(key.team), key.stage, n));
  }
  const long long rows = writer.finish();
  record_period("month", month, now);
  transaction.commit();
  return rows;
}

}  // namespace salesfollow::report_worker
