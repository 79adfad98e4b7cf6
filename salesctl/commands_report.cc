// report weekly|monthly|runs|run
#include <fmt/format.h>

#include <fstream>

#include "commands.h"
#include "exit_codes.h"
#include "weekly_page.h"

namespace salesfollow::salesctl {
namespace {

std::map<std::string, std::string> labels_of(Context& c, v1::DictionaryKind kind) {
  v1::ListDictionaryEntriesRequest request;
  request.set_kind(kind);
  request.set_include_retired(true);
  v1::ListDictionaryEntriesResponse response;
  c.check(c.dictionaries().ListDictionaryEntries(c.call().get(), request, &response),
          "report weekly: dictionary");
  std::map<std::string, std::string> labels;
  for (const auto& e : response.entries()) labels[e.code()] = e.label();
  return labels;
}

std::string counts_text(const google::protobuf::RepeatedPtrField<v1::Count>& counts) {
  std::string out;
  for (const auto& c : counts)
    out += (out.empty() ? "" : ", ") + fmt::format("{} {}", c.key(), c.count());
  return out.empty() ? "-" : out;
}

void print_weekly(Context& c, const v1::WeeklyReview& review) {
  const auto& w = review.week();
  c.out() << fmt::format("Weekly review {} (week of {}){}\n\n", w.iso_week(), w.week_start(),
                         w.has_computed_time() ? ", computed " + c.time().format(w.computed_time())
                                               : ", not computed yet");
  c.print_fields({{"new customers", std::to_string(w.new_customers())},
                  {"  by source", counts_text(w.new_by_source())},
                  {"  by owner", counts_text(w.new_by_owner())},
                  {"  by industry", counts_text(w.new_by_industry())},
                  {"customers at week end", std::to_string(w.customers_existing())},
                  {"losses by reason", counts_text(w.losses_by_reason())}});
  c.out() << "\n";
  Table stages({"STAGE", "COUNT", "SHARE", "LAST WEEK", "CHANGE (PP)"});
  for (const auto& s : w.stages()) {
    std::string before = "—";
    for (const auto& p : review.previous_week().stages())
      if (p.stage() == s.stage()) before = metric_share(p);
    stages.add_row({stage_label(s.stage()), std::to_string(s.count()), metric_share(s), before,
                    metric_change(s)});
  }
  c.print_table(stages, "no stage numbers");
  c.out() << "\n";
  Table won({"WON", "COUNT", "MEDIAN", "MEAN"});
  const auto row = [&](const std::string& name, const v1::Distribution& d) {
    won.add_row({name, std::to_string(d.count()), d.count() ? one_decimal(d.median()) : "—",
                 d.count() ? one_decimal(d.mean()) : "—"});
  };
  row("cycle days", w.won_cycle_days());
  row("follow-ups", w.won_follow_ups());
  c.print_table(won, "");
  if (!w.time_in_stage().empty()) {
    c.out() << "\n";
    Table stay({"LEFT STAGE", "TIMES", "MEDIAN DAYS", "MEAN DAYS"});
    for (const auto& t : w.time_in_stage())
      stay.add_row({stage_label(t.stage()), std::to_string(t.seconds().count()),
                    metric_days(t.seconds().median()), metric_days(t.seconds().mean())});
    c.print_table(stay, "");
  }
  if (!w.transitions().empty()) {
    c.out() << "\n";
    Table moves({"FROM", "TO", "COUNT"});
    for (const auto& t : w.transitions())
      moves.add_row(
          {stage_label(t.from_stage()), stage_label(t.to_stage()), std::to_string(t.count())});
    c.print_table(moves, "");
  }
}

// Every page of a list call: `call(owner, page_token, response)` fills one page.
template <typename Response, typename Item, typename Call>
std::vector<Item> every_page(const std::string& owner, Call call,
                             const google::protobuf::RepeatedPtrField<Item>& (Response::*items)()
                                 const) {
  std::vector<Item> all;
  std::string token;
  do {
    Response response;
    call(owner, token, response);
    const auto& page = (response.*items)();
    all.insert(all.end(), page.begin(), page.end());
    token = response.next_page_token();
  } while (!token.empty());
  return all;
}

void write_html(Context& c, const Invocation& in, const v1::WeeklyReview& review) {
  WeeklyPageInput page;
  page.review = review;
  const std::string owner = in.get("owner").empty() ? "*" : in.get("owner");
  page.high_intent = every_page<v1::ListHighIntentCustomersResponse, v1::FollowUpPlan>(
      owner,
      [&](const std::string& o, const std::string& token, auto& response) {
        v1::ListHighIntentCustomersRequest request;
        request.set_owner_id(o);
        request.set_page_size(500);
        request.set_page_token(token);
        c.check(c.followups().ListHighIntentCustomers(c.call().get(), request, &response),
                "report weekly: high-intention list");
      },
      &v1::ListHighIntentCustomersResponse::customers);
  page.stalled = every_page<v1::ListStalledCustomersResponse, v1::StalledCustomer>(
      owner,
      [&](const std::string& o, const std::string& token, auto& response) {
        v1::ListStalledCustomersRequest request;
        request.set_owner_id(o);
        request.set_page_size(500);
        request.set_page_token(token);
        c.check(c.followups().ListStalledCustomers(c.call().get(), request, &response),
                "report weekly: stalled list");
      },
      &v1::ListStalledCustomersResponse::customers);
  page.source_labels = labels_of(c, v1::SOURCE);
  page.industry_labels = labels_of(c, v1::INDUSTRY);
  page.loss_reason_labels = labels_of(c, v1::LOSS_REASON);
  page.scope = in.get("owner").empty() ? "你可见的全部客户" : "负责人 " + in.get("owner");
  page.generated_at = SystemClock().now();
  const std::string path = in.get("html");
  std::ofstream out(path, std::ios::binary);
  out << render_weekly_page(page, c.time());
  if (!out) throw CommandFailed(kExitFailure, "cannot write " + path);
  c.err() << "wrote the weekly review page to " << path << "\n";
}

int weekly(Context& c, const Invocation& in) {
  v1::GetWeeklyReviewRequest request;
  request.set_week(in.get("week"));
  request.set_owner_id(in.get("owner"));
  v1::WeeklyReview review;
  c.check(c.reports().GetWeeklyReview(c.call().get(), request, &review), "report weekly");
  if (in.has("html")) write_html(c, in, review);
  if (c.json()) {
    c.print_json(review);
  } else if (!in.has("html")) {
    print_weekly(c, review);
  }
  return kExitOk;
}

int monthly(Context& c, const Invocation& in) {
  v1::GetMonthlyDistributionRequest request;
  request.set_month(in.get("month"));
  v1::MonthlyDistribution month;
  c.check(c.reports().GetMonthlyDistribution(c.call().get(), request, &month), "report monthly");
  if (c.json()) {
    c.print_json(month);
    return kExitOk;
  }
  // One row per owner, one column per stage.
  std::map<std::string, std::map<v1::Stage, long long>> rows;
  for (const auto& count : month.counts()) rows[count.owner_id()][count.stage()] += count.count();
  const std::vector<v1::Stage> stages = {v1::STAGE_POTENTIAL, v1::STAGE_INTENTION,
                                         v1::STAGE_HIGH_INTENTION, v1::STAGE_WON, v1::STAGE_LOST};
  std::vector<std::string> headers = {"OWNER"};
  for (const auto s : stages) headers.push_back(stage_label(s));
  headers.emplace_back("TOTAL");
  Table table(headers);
  for (const auto& [owner, counts] : rows) {
    std::vector<std::string> cells = {owner};
    long long total = 0;
    for (const auto s : stages) {
      const auto found = counts.find(s);
      const long long n = found == counts.end() ? 0 : found->second;
      total += n;
      cells.push_back(std::to_string(n));
    }
    cells.push_back(std::to_string(total));
    table.add_row(cells);
  }
  c.out() << "Stage distribution at the end of " << month.month() << "\n";
  c.print_table(table, "no customers");
  return kExitOk;
}

int runs(Context& c, const Invocation& in) {
  v1::ListReportRunsRequest request;
  request.set_page_size(integer_flag(in, "page-size", 20, 1, 500));
  request.set_page_token(in.get("page-token"));
  v1::ListReportRunsResponse response;
  c.check(c.reports().ListReportRuns(c.call().get(), request, &response), "report runs");
  if (c.json()) {
    c.print_json(response);
    return kExitOk;
  }
  Table table({"RUN", "STARTED", "ENDED", "TRIGGER", "PERIODS", "ROWS", "ERROR"});
  for (const auto& r : response.runs())
    table.add_row({r.name(), c.time().format(r.start_time()), c.time().format(r.end_time()),
                   r.trigger(), std::to_string(r.periods_recomputed()),
                   std::to_string(r.rows_written()), r.error()});
  c.print_table(table, "no report runs yet");
  return kExitOk;
}

int run(Context& c, const Invocation& in) {
  v1::RunReportsRequest request;
  request.set_backfill_from(in.get("from"));
  request.set_backfill_to(in.get("to"));
  if (request.backfill_from().empty() != request.backfill_to().empty())
    throw UsageError("--from and --to go together");
  auto context = c.call(true);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::max(c.settings().timeout, std::chrono::seconds(300)));
  v1::ReportRun result;
  c.check(c.reports().RunReports(context.get(), request, &result), "report run");
  if (c.json()) {
    c.print_json(result);
  } else {
    c.out() << fmt::format("{}: {} periods recomputed, {} rows written{}\n", result.name(),
                           result.periods_recomputed(), result.rows_written(),
                           result.error().empty() ? "" : ", error: " + result.error());
  }
  return result.error().empty() ? kExitOk : kExitFailure;
}

}  // namespace

void add_report_commands(CommandLine& commands) {
  commands.add({"report weekly",
                "",
                "the weekly review numbers (周复盘)",
                "--html FILE writes the review as one self-contained page for the meeting\n"
                "(charts included; open it in any browser, no network needed).",
                {{"week", "WEEK", "2024-W09 or its Monday 2024-02-26 (default this week)"},
                 {"owner", "ID", "one owner's numbers (default your scope)"},
                 {"html", "FILE", "write the review page to FILE"}},
                0,
                0,
                weekly});
  commands.add({"report monthly",
                "",
                "stage distribution per owner at the end of a month",
                "",
                {{"month", "YYYY-MM", "month (default this month)"}},
                0,
                0,
                monthly});
  commands.add({"report runs",
                "",
                "recent passes of the report worker",
                "",
                {{"page-size", "N", "rows (default 20)"}, {"page-token", "TOKEN", "next page"}},
                0,
                0,
                runs});
  commands.add({"report run",
                "",
                "run a report pass now (managers)",
                "",
                {{"from", "DATE", "rebuild from this day"}, {"to", "DATE", "rebuild to this day"}},
                0,
                0,
                run});
}

}  // namespace salesfollow::salesctl
