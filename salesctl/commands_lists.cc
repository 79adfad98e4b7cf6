// due, stalled, hot, cadence show|set, watch
#include <fmt/format.h>

#include "commands.h"
#include "exit_codes.h"
#include "salesfollow/common/grpc_util.h"

namespace salesfollow::salesctl {
namespace {

FlagSpec owner_flag() {
  return {"owner", "ID", "'' your own (default), '*' your whole scope, or an owner id"};
}

int due(Context& c, const Invocation& in) {
  v1::ListDueFollowUpsRequest request;
  request.set_owner_id(in.get("owner"));
  request.set_page_size(integer_flag(in, "page-size", 100, 1, 500));
  v1::ListDueFollowUpsResponse all;
  all.set_next_page_token(read_pages<v1::ListDueFollowUpsResponse>(
      in, request,
      [&](const auto& page_request, auto& response) {
        c.check(c.followups().ListDueFollowUps(c.call().get(), page_request, &response), "due");
      },
      [&](const auto& response) {
        all.mutable_overdue()->MergeFrom(response.overdue());
        all.mutable_due_today()->MergeFrom(response.due_today());
      }));
  if (c.json()) {
    c.print_json(all);
    return kExitOk;
  }
  Table table({"WHEN", "PLANNED", "CUSTOMER", "ID", "STAGE", "OWNER", "ACTION"});
  for (const auto& p : all.overdue())
    table.add_row({"overdue", c.time().format(p.plan_time()), p.customer_display_name(),
                   p.customer(), stage_label(p.stage()), p.owner_id(), p.action()});
  for (const auto& p : all.due_today())
    table.add_row({"today", c.time().format(p.plan_time()), p.customer_display_name(), p.customer(),
                   stage_label(p.stage()), p.owner_id(), p.action()});
  c.print_table(table, "nothing due today or overdue");
  if (!table.empty())
    c.out() << fmt::format("{} overdue, {} due today\n", all.overdue_size(), all.due_today_size());
  note_more_pages(c, all.next_page_token());
  return kExitOk;
}

int stalled(Context& c, const Invocation& in) {
  v1::ListStalledCustomersRequest request;
  request.set_owner_id(in.get("owner"));
  request.set_page_size(integer_flag(in, "page-size", 100, 1, 500));
  std::vector<v1::StalledCustomer> items;
  const std::string next = read_pages<v1::ListStalledCustomersResponse>(
      in, request,
      [&](const auto& page_request, auto& response) {
        c.check(c.followups().ListStalledCustomers(c.call().get(), page_request, &response),
                "stalled");
      },
      [&](const auto& response) {
        items.insert(items.end(), response.customers().begin(), response.customers().end());
      });
  if (c.json()) {
    c.print_json_list("customers", items);
    return kExitOk;
  }
  Table table({"CUSTOMER", "ID", "STAGE", "OWNER", "LAST CONTACT", "IDLE DAYS", "THRESHOLD"});
  for (const auto& s : items)
    table.add_row({s.customer_display_name(), s.customer(), stage_label(s.stage()), s.owner_id(),
                   c.time().format(s.last_contact_time()), std::to_string(s.idle_days()),
                   std::to_string(s.threshold_days())});
  c.print_table(table, "no stalled customers");
  note_more_pages(c, next);
  return kExitOk;
}

int hot(Context& c, const Invocation& in) {
  v1::ListHighIntentCustomersRequest request;
  request.set_owner_id(in.get("owner"));
  request.set_page_size(integer_flag(in, "page-size", 100, 1, 500));
  std::vector<v1::FollowUpPlan> items;
  const std::string next = read_pages<v1::ListHighIntentCustomersResponse>(
      in, request,
      [&](const auto& page_request, auto& response) {
        c.check(c.followups().ListHighIntentCustomers(c.call().get(), page_request, &response),
                "hot");
      },
      [&](const auto& response) {
        items.insert(items.end(), response.customers().begin(), response.customers().end());
      });
  if (c.json()) {
    c.print_json_list("customers", items);
    return kExitOk;
  }
  Table table({"CUSTOMER", "ID", "OWNER", "NEXT FOLLOW-UP", "ACTION"});
  for (const auto& p : items)
    table.add_row({p.customer_display_name(), p.customer(), p.owner_id(),
                   p.has_plan_time() ? c.time().format(p.plan_time()) : "（未计划）", p.action()});
  c.print_table(table, "no high-intention customers");
  note_more_pages(c, next);
  return kExitOk;
}

void print_policy(Context& c, const v1::CadencePolicy& p) {
  if (c.json()) {
    c.print_json(p);
    return;
  }
  const auto days = [](int d) { return d == 0 ? std::string("不计划") : fmt::format("每{}天", d); };
  Table table({"STAGE", "FOLLOW UP", "STALLED AFTER (DAYS)"});
  const std::vector<std::pair<v1::Stage, int>> rows = {
      {v1::STAGE_POTENTIAL, p.potential_days()},
      {v1::STAGE_INTENTION, p.intention_days()},
      {v1::STAGE_HIGH_INTENTION, p.high_intention_days()},
      {v1::STAGE_WON, p.won_days()},
      {v1::STAGE_LOST, p.lost_days()}};
  for (const auto& [stage, d] : rows)
    table.add_row({stage_label(stage) + " (" + stage_code(stage) + ")", days(d),
                   // Won and lost customers are never stalled (docs/REPORTS.md).
                   d == 0 || stage == v1::STAGE_WON || stage == v1::STAGE_LOST
                       ? "-"
                       : std::to_string(d * p.stalled_factor())});
  c.out() << "team " << p.team_id()
          << (p.updated_by().empty()
                  ? ""
                  : ", updated by " + p.updated_by() + " at " + c.time().format(p.update_time()))
          << "\n";
  c.print_table(table, "");
}

int cadence_show(Context& c, const Invocation& in) {
  v1::GetCadencePolicyRequest request;
  request.set_team_id(in.get("team"));
  v1::CadencePolicy policy;
  c.check(c.followups().GetCadencePolicy(c.call().get(), request, &policy), "cadence show");
  print_policy(c, policy);
  return kExitOk;
}

int cadence_set(Context& c, const Invocation& in) {
  if (in.has("customer")) {
    v1::SetCustomerCadenceRequest request;
    request.set_customer(Context::customer_name(in.get("customer")));
    request.set_interval_days(integer_flag(in, "days", -1, 0, 365));
    if (!in.has("days")) throw UsageError("--customer needs --days N (0 clears the override)");
    v1::CustomerCadence cadence;
    c.check(c.followups().SetCustomerCadence(c.call().get(), request, &cadence), "cadence set");
    if (c.json()) {
      c.print_json(cadence);
    } else {
      c.out() << cadence.customer() << ": "
              << (cadence.interval_days() == 0
                      ? "back to the team's cadence"
                      : fmt::format("follow up every {} days", cadence.interval_days()))
              << "\n";
    }
    return kExitOk;
  }
  // Team policy: read, change the stages given, write back.
  v1::GetCadencePolicyRequest get;
  get.set_team_id(in.get("team"));
  v1::CadencePolicy policy;
  c.check(c.followups().GetCadencePolicy(c.call().get(), get, &policy), "cadence set");
  bool changed = false;
  const auto set = [&](const char* flag, auto setter) {
    if (!in.has(flag)) return;
    setter(integer_flag(in, flag, 0, 0, 365));
    changed = true;
  };
  set("potential", [&](int d) { policy.set_potential_days(d); });
  set("intention", [&](int d) { policy.set_intention_days(d); });
  set("high-intention", [&](int d) { policy.set_high_intention_days(d); });
  set("won", [&](int d) { policy.set_won_days(d); });
  set("lost", [&](int d) { policy.set_lost_days(d); });
  if (in.has("stalled-factor")) {
    policy.set_stalled_factor(integer_flag(in, "stalled-factor", 2, 1, 100));
    changed = true;
  }
  if (!changed)
    throw UsageError(
        "nothing to set: give --customer ID --days N, or stage flags such as --potential 7");
  v1::UpdateCadencePolicyRequest request;
  *request.mutable_policy() = policy;
  v1::CadencePolicy updated;
  c.check(c.followups().UpdateCadencePolicy(c.call().get(), request, &updated), "cadence set");
  print_policy(c, updated);
  return kExitOk;
}

int watch(Context& c, const Invocation& in) {
  v1::WatchRemindersRequest request;
  if (in.has("since")) *request.mutable_since() = to_timestamp(time_flag(c, in, "since"));
  const int max = integer_flag(in, "max", 0, 0, 1000000);
  const int seconds = integer_flag(in, "for", 0, 0, 86400 * 365);
  auto context = c.call(true);
  if (seconds > 0)
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  auto reader = c.followups().WatchReminders(context.get(), request);
  if (!c.json()) c.err() << "watching reminders (Ctrl-C stops)\n";
  v1::Reminder reminder;
  int delivered = 0;
  while (reader->Read(&reminder)) {
    if (reminder.heartbeat()) continue;
    if (c.json()) {
      c.print_json(reminder);
    } else {
      const auto& p = reminder.plan();
      c.out() << fmt::format("{}  {}  {} ({})  {}  owner {}\n",
                             c.time().format(reminder.due_time()), p.customer_display_name(),
                             p.customer(), stage_label(p.stage()), p.action(), p.owner_id());
    }
    c.out().flush();
    if (max > 0 && ++delivered >= max) {
      context->TryCancel();
      break;
    }
  }
  const auto status = reader->Finish();
  // Ending by --max or --for is the normal way out.
  if (status.error_code() == grpc::StatusCode::CANCELLED && max > 0 && delivered >= max)
    return kExitOk;
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && seconds > 0) return kExitOk;
  c.check(status, "watch");
  return kExitOk;
}

}  // namespace

void add_list_commands(CommandLine& commands) {
  auto list_flags = paging_flags();
  list_flags.insert(list_flags.begin(), owner_flag());
  commands.add({"due", "", "follow-ups due today and overdue", "", list_flags, 0, 0, due});
  commands.add(
      {"stalled", "", "customers without progress for too long", "", list_flags, 0, 0, stalled});
  commands.add(
      {"hot", "", "high-intention customers by next follow-up", "", list_flags, 0, 0, hot});
  commands.add({"cadence show",
                "",
                "the team's recommended follow-up intervals",
                "",
                {{"team", "TEAM", "team (default yours)"}},
                0,
                0,
                cadence_show});
  commands.add({"cadence set",
                "",
                "change the team's intervals or one customer's",
                "Team (managers): --potential 7 --high-intention 2 ... (days; 0 = no plan).\n"
                "One customer: --customer ID --days N (0 clears the override).",
                {{"team", "TEAM", "team (default yours)"},
                 {"potential", "DAYS", "潜在客户 interval"},
                 {"intention", "DAYS", "意向客户 interval"},
                 {"high-intention", "DAYS", "高意向客户 interval"},
                 {"won", "DAYS", "成交客户 interval"},
                 {"lost", "DAYS", "流失客户 interval"},
                 {"stalled-factor", "N", "stalled after N intervals"},
                 {"customer", "CUSTOMER", "set one customer's interval instead"},
                 {"days", "DAYS", "the customer's interval"}},
                0,
                0,
                cadence_set});
  commands.add({"watch",
                "",
                "stream reminders as plans come due",
                "Runs until interrupted, --max reminders arrived or --for seconds passed.",
                {{"since", "TIME", "also deliver what came due since then (default 24 h ago)"},
                 {"max", "N", "stop after N reminders"},
                 {"for", "SECONDS", "stop after this long"}},
                0,
                0,
                watch});
}

}  // namespace salesfollow::salesctl
