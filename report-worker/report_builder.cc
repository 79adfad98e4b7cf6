#include "report_builder.h"

#include <fmt/format.h>

#include <map>
#include <tuple>
#include <vector>

#include "salesfollow/common/sql_util.h"

namespace salesfollow::report_worker {
namespace {

using Params = SqlParams;

// The latest event per customer recorded before :end (stage or owner).
std::string latest_before_end(const char* table, const char* columns) {
  return fmt::format(
      "SELECT customer_id, {0} FROM (SELECT customer_id, {0}, ROW_NUMBER() OVER (PARTITION BY "
      "customer_id ORDER BY created_at DESC, id DESC) AS rn FROM {1} WHERE created_at < :end) "
      "ranked WHERE rn = 1",
      columns, table);
}

struct StageCount {
  std::string owner, team;
  int stage;
  long long customers;
};

// Stage counts per owner at an instant: the stage and the owner of every live
// customer that existed then, as of their history.
std::vector<StageCount> stage_counts_at(soci::session& sql, TimePoint end) {
  std::vector<StageCount> counts;
  for_each_row(
      sql,
      fmt::format("SELECT lo.to_owner, lo.to_team, ls.to_stage, COUNT(*) FROM customers c "
                  "JOIN ({}) ls ON ls.customer_id = c.id JOIN ({}) lo ON lo.customer_id = c.id "
                  "WHERE c.deleted = 0 AND c.created_at < :end3 "
                  "GROUP BY lo.to_owner, lo.to_team, ls.to_stage",
                  latest_before_end("stage_events", "to_stage"),
                  fmt::format("SELECT customer_id, to_owner, to_team FROM (SELECT customer_id, "
                              "to_owner, to_team, ROW_NUMBER() OVER (PARTITION BY customer_id "
                              "ORDER BY created_at DESC, id DESC) AS rn FROM owner_events WHERE "
                              "created_at < :end2) ranked WHERE rn = 1")),
      {{"end", to_sql_datetime(end)},
       {"end2", to_sql_datetime(end)},
       {"end3", to_sql_datetime(end)}},
      [&](const soci::row& row) {
        counts.push_back({text_at(row, 0), text_at(row, 1), static_cast<int>(integer_at(row, 2)),
                          integer_at(row, 3)});
      });
  return counts;
}

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

}  // namespace

TimePoint ReportBuilder::start_of(LocalDate day) const {
  return calendar_.start_of_day(to_text(day));
}

long long ReportBuilder::rebuild_week(LocalDate monday, TimePoint now) {
  const LocalDate next_monday = monday + date::days{7};
  const TimePoint start = start_of(monday);
  const TimePoint end = start_of(next_monday);
  const std::string week = to_text(monday);
  const auto q = [&](const std::string& value) { return sql_quote(write_, value); };

  // --- read everything first (possibly from a replica) ---
  struct NewRow {
    std::string owner, team, source, industry;
    long long customers;
  };
  std::vector<NewRow> new_rows;
  for_each_row(read_,
               "SELECT COALESCE(o.to_owner, c.owner_id), COALESCE(o.to_team, c.team_id), c.source, "
               "c.industry, COUNT(*) FROM customers c LEFT JOIN owner_events o ON o.customer_id = "
               "c.id AND o.from_owner IS NULL WHERE c.deleted = 0 AND c.first_contact_date >= "
               ":first AND c.first_contact_date < :next GROUP BY 1, 2, 3, 4",
               {{"first", week}, {"next", to_text(next_monday)}}, [&](const soci::row& row) {
                 new_rows.push_back({text_at(row, 0), text_at(row, 1), text_at(row, 2),
                                     text_at(row, 3), integer_at(row, 4)});
               });
  const auto stages_now = stage_counts_at(read_, end);

  // Previous week's shares, for the week-over-week change. Owner rows exist
  // only for the stages an owner had: a stage without a row had share 0 when
  // the owner had customers that week (existing > 0).
  std::map<std::pair<std::string, int>, std::optional<double>> previous_share;
  std::map<std::string, long long> previous_existing;
  for_each_row(
      read_,
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

  struct LossRow {
    std::string owner, team, reason;
    long long losses;
  };
  std::vector<LossRow> losses;
  const Params week_range = {{"start", to_sql_datetime(start)}, {"end", to_sql_datetime(end)}};
  for_each_row(
      read_,
      "SELECT se.owner_id, se.team_id, COALESCE(se.loss_reason, 'other'), COUNT(*) FROM "
      "stage_events se JOIN customers c ON c.id = se.customer_id WHERE c.deleted = 0 AND "
      "se.to_stage = 5 AND se.from_stage IS NOT NULL AND se.created_at >= :start AND "
      "se.created_at < :end GROUP BY 1, 2, 3",
      week_range, [&](const soci::row& row) {
        losses.push_back({text_at(row, 0), text_at(row, 1), text_at(row, 2), integer_at(row, 3)});
      });

  struct WinRow {
    long long customer;
    std::string owner, team;
    long long won_micros;
    std::string first_contact;
    long long follow_ups;
  };
  std::vector<WinRow> wins;
  for_each_row(
      read_,
      fmt::format(
          "SELECT se.customer_id, se.owner_id, se.team_id, {}, DATE_FORMAT(c.first_contact_date, "
          "'%Y-%m-%d'), (SELECT COUNT(*) FROM follow_ups f WHERE f.customer_id = se.customer_id "
          "AND f.happened_at <= se.created_at) FROM stage_events se JOIN customers c ON c.id = "
          "se.customer_id WHERE c.deleted = 0 AND se.to_stage = 4 AND se.from_stage IS NOT NULL "
          "AND se.created_at >= :start AND se.created_at < :end AND NOT EXISTS (SELECT 1 FROM "
          "stage_events e2 WHERE e2.customer_id = se.customer_id AND e2.to_stage = 4 AND "
          "(e2.created_at < se.created_at OR (e2.created_at = se.created_at AND e2.id < se.id)))",
          micros_of("se.created_at")),
      week_range, [&](const soci::row& row) {
        wins.push_back({integer_at(row, 0), text_at(row, 1), text_at(row, 2), integer_at(row, 3),
                        text_at(row, 4), integer_at(row, 5)});
      });

  struct TransitionRow {
    long long event, customer;
    std::string owner, team;
    int from, to;
    long long seconds;
  };
  std::vector<TransitionRow> transitions;
  for_each_row(
      read_,
      fmt::format(
          "SELECT se.id, se.customer_id, se.owner_id, se.team_id, se.from_stage, se.to_stage, {}, "
          "(SELECT {} FROM stage_events p WHERE p.customer_id = se.customer_id AND (p.created_at < "
          "se.created_at OR (p.created_at = se.created_at AND p.id < se.id)) ORDER BY p.created_at "
          "DESC, p.id DESC LIMIT 1) FROM stage_events se JOIN customers c ON c.id = se.customer_id "
          "WHERE c.deleted = 0 AND se.from_stage IS NOT NULL AND se.created_at >= :start AND "
          "se.created_at < :end",
          micros_of("se.created_at"), micros_of("p.created_at")),
      week_range, [&](const soci::row& row) {
        const long long at = integer_at(row, 6);
        const long long entered = row.get_indicator(7) == soci::i_null ? at : integer_at(row, 7);
        transitions.push_back({integer_at(row, 0), integer_at(row, 1), text_at(row, 2),
                               text_at(row, 3), static_cast<int>(integer_at(row, 4)),
                               static_cast<int>(integer_at(row, 5)), (at - entered) / 1000000});
      });

  // --- replace the week's rows in one transaction ---
  soci::transaction transaction(write_);
  for (const char* table :
       {"report_weekly_new_customers", "report_weekly_stages", "report_weekly_losses",
        "report_weekly_wins", "report_weekly_transitions"}) {
    write_ << fmt::format("DELETE FROM {} WHERE week_start = {}", table, q(week));
  }
  long long rows = 0;
  {
    RowWriter writer(write_,
                     "INSERT INTO report_weekly_new_customers (week_start, owner_id, team_id, "
                     "source, industry, customers) VALUES ");
    for (const auto& r : new_rows) {
      writer.add(fmt::format("({}, {}, {}, {}, {}, {})", q(week), q(r.owner), q(r.team),
                             q(r.source), q(r.industry), r.customers));
    }
    rows += writer.finish();
  }
  {
    // Totals (owner '') always get all five stages, so a week with no data
    // reads as zeros; owners get rows for the stages they have.
    std::map<std::string, std::pair<std::string, std::map<int, long long>>> by_owner;
    std::map<int, long long> total = {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}};
    for (const auto& c : stages_now) {
      auto& owner = by_owner[c.owner];
      owner.first = c.team;
      owner.second[c.stage] += c.customers;
      total[c.stage] += c.customers;
    }
    RowWriter writer(write_,
                     "INSERT INTO report_weekly_stages (week_start, owner_id, team_id, stage, "
                     "customers, existing, share, change_pp) VALUES ");
    const auto emit = [&](const std::string& owner, const std::string& team,
                          const std::map<int, long long>& counts) {
      long long existing = 0;
      for (const auto& [stage, n] : counts) existing += n;
      for (const auto& [stage, n] : counts) {
        std::optional<double> share;
        if (existing > 0) share = static_cast<double>(n) / static_cast<double>(existing);
        std::optional<double> change;
        const auto previous = share_before(owner, stage);
        if (share && previous) change = (*share - *previous) * 100.0;
        writer.add(fmt::format("({}, {}, {}, {}, {}, {}, {}, {})", q(week), q(owner), q(team),
                               stage, n, existing, sql_double(share), sql_double(change)));
      }
    };
    emit("", "", total);
    for (const auto& [owner, data] : by_owner) emit(owner, data.first, data.second);
    rows += writer.finish();
  }
  {
    RowWriter writer(write_,
                     "INSERT INTO report_weekly_losses (week_start, owner_id, team_id, "
                     "loss_reason, losses) VALUES ");
    for (const auto& r : losses) {
      writer.add(fmt::format("({}, {}, {}, {}, {})", q(week), q(r.owner), q(r.team), q(r.reason),
                             r.losses));
    }
    rows += writer.finish();
  }
  {
    RowWriter writer(write_,
                     "INSERT INTO report_weekly_wins (week_start, customer_id, owner_id, "
                     "team_id, cycle_days, follow_ups) VALUES ");
    for (const auto& r : wins) {
      // Cycle days: the win's date in team time minus the first-contact date.
      const auto won_day = parse_date(calendar_.local_date(from_micros(r.won_micros)));
      const auto first_day = parse_date(r.first_contact);
      const auto days = (won_day && first_day) ? (*won_day - *first_day).count() : 0;
      writer.add(fmt::format("({}, {}, {}, {}, {}, {})", q(week), r.customer, q(r.owner), q(r.team),
                             days, r.follow_ups));
    }
    rows += writer.finish();
  }
  {
    RowWriter writer(write_,
                     "INSERT INTO report_weekly_transitions (week_start, stage_event_id, "
                     "customer_id, owner_id, team_id, from_stage, to_stage, "
                     "seconds_in_stage) VALUES ");
    for (const auto& r : transitions) {
      writer.add(fmt::format("({}, {}, {}, {}, {}, {}, {}, {})", q(week), r.event, r.customer,
                             q(r.owner), q(r.team), r.from, r.to, r.seconds));
    }
    rows += writer.finish();
  }
  write_ << fmt::format(
      "INSERT INTO report_periods (kind, period_start, computed_at, rows_written) VALUES ('week', "
      "{}, {}, {}) ON DUPLICATE KEY UPDATE computed_at = VALUES(computed_at), rows_written = "
      "VALUES(rows_written)",
      q(week), q(to_sql_datetime(now)), rows);
  transaction.commit();
  return rows;
}

long long ReportBuilder::rebuild_month(LocalDate first_day, TimePoint now) {
  const TimePoint end = start_of(next_month_start(first_day));
  const std::string month = to_text(first_day);
  const auto q = [&](const std::string& value) { return sql_quote(write_, value); };
  const auto counts = stage_counts_at(read_, end);
  soci::transaction transaction(write_);
  write_ << fmt::format("DELETE FROM report_monthly_distribution WHERE month_start = {}", q(month));
  RowWriter writer(write_,
                   "INSERT INTO report_monthly_distribution (month_start, owner_id, team_id, "
                   "stage, customers) VALUES ");
  for (const auto& c : counts) {
    writer.add(
        fmt::format("({}, {}, {}, {}, {})", q(month), q(c.owner), q(c.team), c.stage, c.customers));
  }
  const long long rows = writer.finish();
  write_ << fmt::format(
      "INSERT INTO report_periods (kind, period_start, computed_at, rows_written) VALUES ('month', "
      "{}, {}, {}) ON DUPLICATE KEY UPDATE computed_at = VALUES(computed_at), rows_written = "
      "VALUES(rows_written)",
      q(month), q(to_sql_datetime(now)), rows);
  transaction.commit();
  return rows;
}

}  // namespace salesfollow::report_worker
