#include "report_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "salesfollow/common/errors.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/common/sql_util.h"
#include "salesfollow/common/text.h"

namespace salesfollow::report_worker {
namespace {

using Params = SqlParams;

// Which rows a review covers: one owner, one team, or everybody.
struct ReviewScope {
  std::string owner_id;  // one owner
  std::string team_id;   // a team (sum over its owners)
  // SQL condition on a summary table's owner_id/team_id columns.
  std::string where(Params& params) const {
    if (!owner_id.empty()) {
      params.emplace_back("owner", owner_id);
      return "owner_id = :owner";
    }
    if (!team_id.empty()) {
      params.emplace_back("team", team_id);
      return "team_id = :team";
    }
    return "1 = 1";
  }
};

v1::Distribution distribution_of(const std::vector<double>& values) {
  v1::Distribution d;
  d.set_count(static_cast<std::int64_t>(values.size()));
  if (values.empty()) return d;
  d.set_mean(std::accumulate(values.begin(), values.end(), 0.0) /
             static_cast<double>(values.size()));
  d.set_median(median_of(values));
  return d;
}

void add_counts(google::protobuf::RepeatedPtrField<v1::Count>* out,
                const std::map<std::string, long long>& counts) {
  for (const auto& [key, count] : counts) {
    auto* c = out->Add();
    c->set_key(key);
    c->set_count(count);
  }
}

// Stage counts and existing customers of the scope in one week.
struct StageTotals {
  std::map<int, long long> counts;
  long long existing = 0;
  std::map<int, std::optional<double>> stored_share, stored_change;
};

StageTotals stage_totals(soci::session& sql, const std::string& week, const ReviewScope& scope) {
  StageTotals totals;
  Params params = {{"week", week}};
  // All customers have their own rows (owner_id ''); owners and teams sum owner rows.
  const std::string where = scope.owner_id.empty() && scope.team_id.empty()
                                ? "owner_id = ''"
                                : "owner_id <> '' AND " + scope.where(params);
  for_each_row(sql,
               "SELECT stage, SUM(customers), MAX(share), MAX(change_pp), COUNT(*) FROM "
               "report_weekly_stages WHERE week_start = :week AND " +
                   where + " GROUP BY stage",
               params, [&](const soci::row& row) {
                 const int stage = static_cast<int>(integer_at(row, 0));
                 totals.counts[stage] = integer_at(row, 1);
                 totals.existing += integer_at(row, 1);
                 // Stored shares apply when exactly one row (all, or one owner) is summed.
                 if (integer_at(row, 4) == 1) {
                   if (row.get_indicator(2) != soci::i_null)
                     totals.stored_share[stage] = row.get<double>(2);
                   if (row.get_indicator(3) != soci::i_null)
                     totals.stored_change[stage] = row.get<double>(3);
                 }
               });
  return totals;
}

v1::WeekNumbers week_numbers(soci::session& sql, LocalDate monday, const ReviewScope& scope) {
  v1::WeekNumbers out;
  const std::string week = to_text(monday);
  out.set_week_start(week);
  out.set_iso_week(iso_week_name(monday));
  {
    Params params = {{"week", week}};
    const std::string where = scope.where(params);
    std::map<std::string, long long> by_source, by_industry, by_owner;
    long long total = 0;
    for_each_row(sql,
                 "SELECT owner_id, source, industry, customers FROM report_weekly_new_customers "
                 "WHERE week_start = :week AND " +
                     where,
                 params, [&](const soci::row& row) {
                   const long long n = integer_at(row, 3);
                   by_owner[text_at(row, 0)] += n;
                   by_source[text_at(row, 1)] += n;
                   by_industry[text_at(row, 2)] += n;
                   total += n;
                 });
    out.set_new_customers(total);
    add_counts(out.mutable_new_by_source(), by_source);
    add_counts(out.mutable_new_by_industry(), by_industry);
    add_counts(out.mutable_new_by_owner(), by_owner);
  }
  const StageTotals now = stage_totals(sql, week, scope);
  const StageTotals before = stage_totals(sql, to_text(monday - date::days{7}), scope);
  out.set_customers_existing(now.existing);
  for (int stage = 1; stage <= 5; ++stage) {
    auto* s = out.add_stages();
    s->set_stage(static_cast<v1::Stage>(stage));
    const auto count = now.counts.count(stage) != 0 ? now.counts.at(stage) : 0;
    s->set_count(count);
    std::optional<double> share;
    if (now.existing > 0) share = static_cast<double>(count) / static_cast<double>(now.existing);
    if (share) s->mutable_share()->set_value(*share);
    if (share && before.existing > 0) {
      const auto previous_count = before.counts.count(stage) != 0 ? before.counts.at(stage) : 0;
      s->mutable_change_pp()->set_value(
          (*share - static_cast<double>(previous_count) / static_cast<double>(before.existing)) *
          100.0);
    }
  }
  {
    Params params = {{"week", week}};
    const std::string where = scope.where(params);
    std::map<std::string, long long> losses;
    for_each_row(
        sql,
        "SELECT loss_reason, losses FROM report_weekly_losses WHERE week_start = :week AND " +
            where,
        params, [&](const soci::row& row) { losses[text_at(row, 0)] += integer_at(row, 1); });
    add_counts(out.mutable_losses_by_reason(), losses);
  }
  {
    Params params = {{"week", week}};
    const std::string where = scope.where(params);
    std::vector<double> cycle_days, follow_ups;
    for_each_row(
        sql,
        "SELECT cycle_days, follow_ups FROM report_weekly_wins WHERE week_start = :week AND " +
            where,
        params, [&](const soci::row& row) {
          cycle_days.push_back(static_cast<double>(integer_at(row, 0)));
          follow_ups.push_back(static_cast<double>(integer_at(row, 1)));
        });
    *out.mutable_won_cycle_days() = distribution_of(cycle_days);
    *out.mutable_won_follow_ups() = distribution_of(follow_ups);
  }
  {
    Params params = {{"week", week}};
    const std::string where = scope.where(params);
    std::map<std::pair<int, int>, long long> transitions;
    std::map<int, std::vector<double>> seconds;
    for_each_row(
        sql,
        "SELECT from_stage, to_stage, seconds_in_stage FROM report_weekly_transitions WHERE "
        "week_start = :week AND " +
            where,
        params, [&](const soci::row& row) {
          const int from = static_cast<int>(integer_at(row, 0));
          ++transitions[{from, static_cast<int>(integer_at(row, 1))}];
          seconds[from].push_back(static_cast<double>(integer_at(row, 2)));
        });
    for (const auto& [key, count] : transitions) {
      auto* t = out.add_transitions();
      t->set_from_stage(static_cast<v1::Stage>(key.first));
      t->set_to_stage(static_cast<v1::Stage>(key.second));
      t->set_count(count);
    }
    for (const auto& [stage, values] : seconds) {
      auto* t = out.add_time_in_stage();
      t->set_stage(static_cast<v1::Stage>(stage));
      *t->mutable_seconds() = distribution_of(values);
    }
  }
  for_each_row(sql,
               "SELECT " + micros_of("computed_at") +
                   " FROM report_periods WHERE kind = 'week' AND period_start = :week",
               {{"week", week}}, [&](const soci::row& row) {
                 *out.mutable_computed_time() = to_timestamp(from_micros(integer_at(row, 0)));
               });
  return out;
}

ReviewScope review_scope(const Caller& caller, const std::string& owner_id, soci::session& sql) {
  if (!owner_id.empty()) validate_text(owner_id, "owner_id", 64, true);
  switch (caller.role) {
    case Role::rep:
      if (!owner_id.empty() && owner_id != caller.user_id) {
        throw permission_denied("a rep sees only their own numbers");
      }
      return {caller.user_id, ""};
    case Role::manager: {
      if (owner_id.empty()) return {"", caller.team_id};
      // The owner must belong to the manager's team (now or in the summaries).
      int in_team = 0;
      sql << "SELECT (SELECT COUNT(*) FROM customers WHERE owner_id = :o1 AND team_id = :t1) + "
             "(SELECT COUNT(*) FROM report_weekly_stages WHERE owner_id = :o2 AND team_id = :t2)",
          soci::use(owner_id), soci::use(caller.team_id), soci::use(owner_id),
          soci::use(caller.team_id), soci::into(in_team);
      if (in_team == 0) throw permission_denied(owner_id + " is not in your team");
      return {owner_id, ""};
    }
    case Role::admin:
    case Role::service:
      return {owner_id, ""};
  }
  return {caller.user_id, ""};
}

}  // namespace

double median_of(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2.0;
}

grpc::Status ReportServiceImpl::GetWeeklyReview(grpc::ServerContext* context,
                                                const v1::GetWeeklyReviewRequest* request,
                                                v1::WeeklyReview* response) {
  return guarded("GetWeeklyReview", [&] {
    const Caller caller = tokens_.authenticate(*context);
    LocalDate monday = week_start_of(*parse_date(calendar_.local_date(clock_.now())));
    if (!request->week().empty()) {
      const auto parsed = parse_week(request->week());
      if (!parsed)
        throw invalid_field("week", "must be a date \"YYYY-MM-DD\" or an ISO week \"YYYY-Www\"");
      monday = *parsed;
    }
    *response = db_.run(
        [&](soci::session& sql) {
          const ReviewScope scope = review_scope(caller, request->owner_id(), sql);
          v1::WeeklyReview review;
          review.set_owner_id(scope.owner_id);
          *review.mutable_week() = week_numbers(sql, monday, scope);
          *review.mutable_previous_week() = week_numbers(sql, monday - date::days{7}, scope);
          return review;
        },
        remaining_budget(*context, db_.config().acquire_timeout));
    return grpc::Status::OK;
  });
}

grpc::Status ReportServiceImpl::GetMonthlyDistribution(
    grpc::ServerContext* context, const v1::GetMonthlyDistributionRequest* request,
    v1::MonthlyDistribution* response) {
  return guarded("GetMonthlyDistribution", [&] {
    const Caller caller = tokens_.authenticate(*context);
    LocalDate month = month_start_of(*parse_date(calendar_.local_date(clock_.now())));
    if (!request->month().empty()) {
      const auto parsed = parse_month(request->month());
      if (!parsed) throw invalid_field("month", "must be \"YYYY-MM\"");
      month = *parsed;
    }
    Params params = {{"month", to_text(month)}};
    std::string where = "month_start = :month";
    const auto scope = scope_of(caller);
    if (!scope.owner_id.empty()) {
      where += " AND owner_id = :owner";
      params.emplace_back("owner", scope.owner_id);
    }
    if (!scope.team_id.empty()) {
      where += " AND team_id = :team";
      params.emplace_back("team", scope.team_id);
    }
    response->set_month(to_text(month).substr(0, 7));
    db_.run(
        [&](soci::session& sql) {
          for_each_row(sql,
                       "SELECT owner_id, stage, customers FROM report_monthly_distribution WHERE " +
                           where + " ORDER BY owner_id, stage",
                       params, [&](const soci::row& row) {
                         auto* c = response->add_counts();
                         c->set_owner_id(text_at(row, 0));
                         c->set_stage(static_cast<v1::Stage>(integer_at(row, 1)));
                         c->set_count(integer_at(row, 2));
                       });
        },
        remaining_budget(*context, db_.config().acquire_timeout));
    return grpc::Status::OK;
  });
}

grpc::Status ReportServiceImpl::ListReportRuns(grpc::ServerContext* context,
                                               const v1::ListReportRunsRequest* request,
                                               v1::ListReportRunsResponse* response) {
  return guarded("ListReportRuns", [&] {
    const Caller caller = tokens_.authenticate(*context);
    if (!caller.is_manager_or_above())
      throw permission_denied("only managers and admins see report runs");
    const int page_size = checked_page_size(request->page_size(), 50, 500);
    const std::string fingerprint = "ListReportRuns|" + caller.user_id;
    long long before = std::numeric_limits<long long>::max();
    if (!request->page_token().empty()) {
      try {
        before =
            page_tokens_.decode(request->page_token(), fingerprint).at("before").get<long long>();
      } catch (const nlohmann::json::exception&) {
        throw invalid_field("page_token", "is malformed");
      }
    }
    long long last_id = 0;
    int rows = 0;
    db_.run(
        [&](soci::session& sql) {
          for_each_row(
              sql,
              fmt::format("SELECT id, {}, {}, run_trigger, periods_recomputed, rows_written, error "
                          "FROM report_runs WHERE id < :before ORDER BY id DESC LIMIT {}",
                          micros_of("started_at"), micros_of("finished_at"), page_size + 1),
              {{"before", std::to_string(before)}}, [&](const soci::row& row) {
                if (++rows > page_size) return;
                auto* run = response->add_runs();
                last_id = integer_at(row, 0);
                run->set_name(fmt::format("reportRuns/{}", last_id));
                *run->mutable_start_time() = to_timestamp(from_micros(integer_at(row, 1)));
                if (row.get_indicator(2) != soci::i_null) {
                  *run->mutable_end_time() = to_timestamp(from_micros(integer_at(row, 2)));
                }
                run->set_trigger(text_at(row, 3));
                run->set_periods_recomputed(static_cast<int>(integer_at(row, 4)));
                run->set_rows_written(integer_at(row, 5));
                run->set_error(text_at(row, 6));
              });
        },
        remaining_budget(*context, db_.config().acquire_timeout));
    if (rows > page_size)
      response->set_next_page_token(page_tokens_.encode({{"before", last_id}}, fingerprint));
    return grpc::Status::OK;
  });
}

grpc::Status ReportServiceImpl::RunReports(grpc::ServerContext* context,
                                           const v1::RunReportsRequest* request,
                                           v1::ReportRun* response) {
  return guarded("RunReports", [&] {
    const Caller caller = tokens_.authenticate(*context);
    if (!caller.is_manager_or_above())
      throw permission_denied("only managers and admins may run reports");
    PassRequest pass{"manual", std::nullopt};
    if (!request->backfill_from().empty() || !request->backfill_to().empty()) {
      const auto from = parse_date(request->backfill_from());
      const auto to = parse_date(request->backfill_to());
      if (!from) throw invalid_field("backfill_from", "must be a date \"YYYY-MM-DD\"");
      if (!to) throw invalid_field("backfill_to", "must be a date \"YYYY-MM-DD\"");
      if (*to < *from) throw invalid_field("backfill_to", "is before backfill_from");
      if ((*to - *from).count() > 3660)
        throw invalid_field("backfill_to", "spans more than ten years");
      pass = {"backfill", std::make_pair(*from, *to)};
    }
    const auto run = runner_.run(pass, std::chrono::seconds(30));
    if (!run) {
      throw ServiceError(grpc::StatusCode::ABORTED, "REPORT_RUN_BUSY",
                         "another report pass is running; try again shortly");
    }
    *response = *run;
    return grpc::Status::OK;
  });
}

}  // namespace salesfollow::report_worker
