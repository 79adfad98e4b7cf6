#include "followup_service.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "salesfollow/common/errors.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/common/idempotency.h"
#include "salesfollow/common/text.h"

namespace salesfollow::followup_service {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 500;
constexpr int kMaxIntervalDays = 365;

const char* channel_label(int channel) {
  static constexpr std::array<const char*, 6> labels = {"unspecified", "phone",  "meeting",
                                                        "email",       "wechat", "other"};
  return labels.at(static_cast<std::size_t>(std::clamp(channel, 0, 5)));
}

void validate_channel(int channel, const std::string& field) {
  if (channel < v1::PHONE || channel > v1::OTHER) {
    throw invalid_field(field, "must be PHONE, MEETING, EMAIL, WECHAT or OTHER");
  }
}

std::pair<long long, std::uint64_t> cursor_of(const nlohmann::json& token) {
  try {
    return {token.at("t").get<long long>(), token.at("id").get<std::uint64_t>()};
  } catch (const nlohmann::json::exception&) {
    throw invalid_field("page_token", "is malformed");
  }
}

long long micros_since_epoch(TimePoint t) { return t.time_since_epoch().count(); }

}  // namespace

TimePoint checked_time(const google::protobuf::Timestamp& t, const std::string& field) {
  // 1970 .. 9999: what DATETIME(6) stores and RFC 3339 can say.
  if (t.seconds() <= 0 || t.seconds() > 253402300799LL || t.nanos() < 0 || t.nanos() > 999999999) {
    throw invalid_field(field, "is missing or out of range");
  }
  return from_timestamp(t);
}

std::string follow_up_name(std::uint64_t id) { return "followUps/" + std::to_string(id); }

std::uint64_t parse_follow_up_name(const std::string& name, const std::string& field) {
  return parse_resource_id(name, "followUps", field);
}

FollowUpMetrics::FollowUpMetrics(prometheus::Registry& registry)
    : logged_(prometheus::BuildCounter()
                  .Name("salesfollow_followups_logged_total")
                  .Help("Follow-ups logged, by channel")
                  .Register(registry)),
      late_(prometheus::BuildCounter()
                .Name("salesfollow_followups_late_total")
                .Help("Follow-ups logged more than 24 hours after they happened, by rep")
                .Register(registry)),
      amendments_(prometheus::BuildCounter()
                      .Name("salesfollow_followup_amendments_total")
                      .Help("Follow-up corrections")
                      .Register(registry)
                      .Add({})),
      open_streams_(prometheus::BuildGauge()
                        .Name("salesfollow_reminder_streams_open")
                        .Help("Connected WatchReminders streams")
                        .Register(registry)
                        .Add({})),
      overdue_(prometheus::BuildGauge()
                   .Name("salesfollow_overdue_followups")
                   .Help("Planned follow-ups before today (team time), by owner")
                   .Register(registry)) {
  for (int channel = v1::PHONE; channel <= v1::OTHER; ++channel) {
    logged_.Add({{"channel", channel_label(channel)}});
  }
}

void FollowUpMetrics::logged(int channel) {
  logged_.Add({{"channel", channel_label(channel)}}).Increment();
}

void FollowUpMetrics::late(const std::string& follower) {
  late_.Add({{"follower", follower}}).Increment();
}

void FollowUpMetrics::set_overdue(const std::vector<std::pair<std::string, long long>>& by_owner) {
  const std::lock_guard lock(overdue_mutex_);
  // Owners no longer overdue go to zero instead of keeping a stale value.
  for (const auto& owner : overdue_owners_) overdue_.Add({{"owner", owner}}).Set(0);
  overdue_owners_.clear();
  for (const auto& [owner, count] : by_owner) {
    overdue_.Add({{"owner", owner}}).Set(static_cast<double>(count));
    overdue_owners_.push_back(owner);
  }
}

DbBudget FollowUpServiceImpl::budget(const grpc::ServerContext& context) const {
  return remaining_budget(context, deps_.db.config().acquire_timeout);
}

std::pair<TimePoint, TimePoint> FollowUpServiceImpl::today_bounds() const {
  const std::string today = deps_.calendar.local_date(deps_.clock.now());
  const TimePoint start = deps_.calendar.start_of_day(today);
  const TimePoint tomorrow =
      deps_.calendar.start_of_day(deps_.calendar.local_date(start + std::chrono::hours(36)));
  return {start, tomorrow};
}

CustomerView FollowUpServiceImpl::accessible_customer(FollowUpRepository& repository,
                                                      const Caller& caller,
                                                      std::uint64_t id) const {
  auto customer = repository.customer(id);
  if (customer && caller.can_access(customer->owner_id, customer->team_id)) return *customer;
  if (!customer && (caller.role == Role::admin || caller.role == Role::service)) {
    throw not_found(customer_name(id));
  }
  throw permission_denied(customer_name(id) + " is not accessible to you (it may not exist)");
}

std::pair<FollowUpRow, CustomerView> FollowUpServiceImpl::accessible_follow_up(
    FollowUpRepository& repository, const Caller& caller, std::uint64_t id, bool for_update) const {
  auto row = repository.follow_up(id, for_update);
  if (!row) {
    if (caller.role == Role::admin || caller.role == Role::service)
      throw not_found(follow_up_name(id));
    throw permission_denied(follow_up_name(id) + " is not accessible to you (it may not exist)");
  }
  auto customer = repository.customer(row->customer_id);
  if (!customer || !caller.can_access(customer->owner_id, customer->team_id)) {
    throw permission_denied(follow_up_name(id) + " is not accessible to you (it may not exist)");
  }
  return {*row, *customer};
}

ListScope FollowUpServiceImpl::list_scope(const Caller& caller, const std::string& owner_id) const {
  // "" = the caller's own customers, "*" = the caller's whole scope, an id =
  // that owner's customers within the scope.
  if (owner_id == "*") return {scope_of(caller), ""};
  const std::string owner = owner_id.empty() ? caller.user_id : owner_id;
  validate_text(owner, "owner_id", 64, true);
  if (caller.role == Role::rep && owner != caller.user_id) {
    throw permission_denied("a rep may only list their own customers");
  }
  return {scope_of(caller), owner};
}

v1::FollowUp FollowUpServiceImpl::to_proto(const FollowUpRow& r) const {
  v1::FollowUp f;
  f.set_name(follow_up_name(r.id));
  f.set_customer(customer_name(r.customer_id));
  *f.mutable_happen_time() = to_timestamp(r.happened_at);
  *f.mutable_log_time() = to_timestamp(r.logged_at);
  f.set_late(r.late);
  f.set_follower_id(r.follower_id);
  f.set_channel(static_cast<v1::Channel>(r.channel));
  f.set_scenario(r.scenario);
  f.set_content(r.content);
  f.set_feedback(r.feedback);
  f.set_next_action(r.next_action);
  f.set_stage_after(static_cast<v1::Stage>(r.stage_after));
  f.set_stage_event(r.stage_event);
  f.set_logger_id(r.logger_id);
  f.set_revision(r.revision);
  return f;
}

v1::FollowUpPlan FollowUpServiceImpl::plan_to_proto(const PlanRow& r) const {
  v1::FollowUpPlan p;
  p.set_customer(customer_name(r.customer_id));
  if (r.plan_at) *p.mutable_plan_time() = to_timestamp(*r.plan_at);
  p.set_action(r.action);
  p.set_recommended(r.recommended);
  p.set_planner_id(r.planner_id);
  p.set_owner_id(r.owner_id);
  p.set_customer_display_name(r.display_name);
  p.set_stage(static_cast<v1::Stage>(r.stage));
  return p;
}

grpc::Status FollowUpServiceImpl::LogFollowUp(grpc::ServerContext* context,
                                              const v1::LogFollowUpRequest* request,
                                              v1::LogFollowUpResponse* response) {
  return guarded("LogFollowUp", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto& in = request->follow_up();
    check_request_id(request->request_id());
    const auto customer_id = parse_customer_name(in.customer(), "follow_up.customer");
    const TimePoint happened = checked_time(in.happen_time(), "follow_up.happen_time");
    validate_channel(in.channel(), "follow_up.channel");
    validate_text(in.scenario(), "follow_up.scenario", 200, false);
    validate_text(in.content(), "follow_up.content", 10000, true, true);
    validate_text(in.feedback(), "follow_up.feedback", 10000, false, true);
    validate_text(in.next_action(), "follow_up.next_action", 1000, false, true);
    const std::string follower = in.follower_id().empty() ? caller.user_id : in.follower_id();
    validate_text(follower, "follow_up.follower_id", 64, true);
    if (caller.role == Role::rep && follower != caller.user_id) {
      throw permission_denied("a rep may only log their own follow-ups");
    }
    const bool changes_stage = request->has_stage_change();
    if (changes_stage && (request->stage_change().stage() < v1::STAGE_POTENTIAL ||
                          request->stage_change().stage() > v1::STAGE_LOST)) {
      throw invalid_field("stage_change.stage", "must be one of the five stages");
    }
    std::optional<TimePoint> manual_plan;
    if (request->has_next_plan()) {
      manual_plan = checked_time(request->next_plan().plan_time(), "next_plan.plan_time");
      if (*manual_plan < happened) {
        throw invalid_field("next_plan.plan_time", "is before the follow-up happened");
      }
      validate_text(request->next_plan().action(), "next_plan.action", 1000, false, true);
    }

    const TimePoint now = deps_.clock.now();
    if (happened > now + deps_.settings.clock_skew) {
      throw invalid_field("follow_up.happen_time",
                          "is in the future (now is " + format_rfc3339(now) + ")");
    }
    const auto customer = deps_.db.run(
        [&](soci::session& sql) {
          FollowUpRepository repository(sql);
          return accessible_customer(repository, caller, customer_id);
        },
        budget(*context));
    if (customer.deleted) {
      throw failed_precondition("CUSTOMER_DELETED", customer_name(customer_id) + " is deleted");
    }
    if (happened < deps_.calendar.start_of_day(customer.first_contact_date)) {
      throw invalid_field("follow_up.happen_time", "is before the customer's first contact (" +
                                                       customer.first_contact_date + ")");
    }

    v1::LogFollowUpRequest fingerprinted = *request;
    fingerprinted.clear_request_id();
    const std::string fingerprint = request_fingerprint(fingerprinted, caller.user_id);
    if (!request->request_id().empty()) {
      const auto previous = deps_.db.run(
          [&](soci::session& sql) {
            return find_idempotent_answer(sql, "LogFollowUp", request->request_id(), fingerprint);
          },
          budget(*context));
      if (previous && response->ParseFromString(*previous)) return grpc::Status::OK;
    }

    // 1. The stage change, through customer-service. Its request id derives
    //    from ours, so a retried LogFollowUp never makes a second event.
    int stage_after = customer.stage;
    std::string stage_event;
    if (changes_stage) {
      v1::ChangeCustomerStageRequest change;
      change.set_name(customer_name(customer_id));
      change.set_stage(request->stage_change().stage());
      change.set_reason(request->stage_change().reason());
      change.set_loss_reason(request->stage_change().loss_reason());
      change.set_loss_note(request->stage_change().loss_note());
      if (!request->request_id().empty())
        change.set_request_id("followup:" + request->request_id());
      const auto authorization = context->client_metadata().find("authorization");
      v1::ChangeCustomerStageResponse changed;
      const auto deadline = std::min(context->deadline(),
                                     std::chrono::system_clock::now() + std::chrono::seconds(10));
      const grpc::Status status = deps_.customers.change_stage(
          std::string(authorization->second.data(), authorization->second.size()), change, deadline,
          changed);
      if (!status.ok()) return status;  // nothing written here
      stage_after = changed.customer().stage();
      stage_event = changed.event().name();
    }

    // 2. The record and the plan, in one transaction with the answer.
    bool written = false;
    bool late = false;
    *response = run_idempotent<v1::LogFollowUpResponse>(
        deps_.db, budget(*context), "LogFollowUp", request->request_id(), fingerprint,
        caller.user_id, deps_.clock, [&](soci::session& sql) {
          FollowUpRepository repository(sql);
          const TimePoint logged = deps_.clock.now();
          FollowUpRow row;
          row.customer_id = customer_id;
          row.happened_at = happened;
          row.logged_at = logged;
          row.late = is_late(happened, logged);
          row.follower_id = follower;
          row.logger_id = caller.user_id;
          row.channel = in.channel();
          row.scenario = in.scenario();
          row.content = in.content();
          row.feedback = in.feedback();
          row.next_action = in.next_action();
          row.stage_after = stage_after;
          row.stage_event = stage_event;
          row.id = repository.insert_follow_up(row);
          repository.touch_activity(customer_id, happened);
          if (manual_plan) {
            repository.set_plan(customer_id, *manual_plan, request->next_plan().action(), false,
                                caller.user_id, logged);
          } else {
            const int days =
                repository.team_cadence(customer.team_id)
                    .interval_days(stage_after, repository.customer_override(customer_id));
            if (const auto planned = recommended_plan(happened, days)) {
              repository.set_plan(customer_id, *planned, in.next_action(), true, caller.user_id,
                                  logged);
            } else {
              repository.clear_plan(customer_id);
            }
          }
          v1::LogFollowUpResponse answer;
          *answer.mutable_follow_up() = to_proto(row);
          if (const auto plan = repository.plan(customer_id))
            *answer.mutable_plan() = plan_to_proto(*plan);
          written = true;
          late = row.late;
          return answer;
        });
    if (written) {
      deps_.metrics.logged(in.channel());
      if (late) deps_.metrics.late(follower);
    }
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::GetFollowUp(grpc::ServerContext* context,
                                              const v1::GetFollowUpRequest* request,
                                              v1::FollowUp* response) {
  return guarded("GetFollowUp", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto id = parse_follow_up_name(request->name(), "name");
    *response = deps_.db.run(
        [&](soci::session& sql) {
          FollowUpRepository repository(sql);
          const auto [row, customer] = accessible_follow_up(repository, caller, id, false);
          v1::FollowUp out = to_proto(row);
          for (const auto& a : repository.amendments(id)) {
            auto* amendment = out.add_amendments();
            amendment->set_revision(a.revision);
            amendment->set_amended_by(a.amended_by);
            *amendment->mutable_amend_time() = to_timestamp(a.amended_at);
            amendment->set_reason(a.reason);
            for (const auto& change : nlohmann::json::parse(a.changes_json)) {
              auto* c = amendment->add_changes();
              c->set_field(change.at("field").get<std::string>());
              c->set_before(change.at("before").get<std::string>());
              c->set_after(change.at("after").get<std::string>());
            }
          }
          return out;
        },
        budget(*context));
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::ListFollowUps(grpc::ServerContext* context,
                                                const v1::ListFollowUpsRequest* request,
                                                v1::ListFollowUpsResponse* response) {
  return guarded("ListFollowUps", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto customer_id = parse_customer_name(request->customer(), "customer");
    const int page_size = checked_page_size(request->page_size(), kDefaultPageSize, kMaxPageSize);
    const std::string fingerprint = fmt::format("ListFollowUps|{}|{}", caller.user_id, customer_id);
    std::optional<std::pair<long long, std::uint64_t>> before;
    if (!request->page_token().empty()) {
      before = cursor_of(deps_.page_tokens.decode(request->page_token(), fingerprint));
    }
    const auto rows = deps_.db.run(
        [&](soci::session& sql) {
          FollowUpRepository repository(sql);
          accessible_customer(repository, caller, customer_id);
          return repository.follow_ups_of(customer_id, before, page_size + 1);
        },
        budget(*context));
    for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(page_size); ++i) {
      *response->add_follow_ups() = to_proto(rows[i]);
    }
    if (rows.size() > static_cast<std::size_t>(page_size)) {
      const auto& last = rows[static_cast<std::size_t>(page_size) - 1];
      response->set_next_page_token(deps_.page_tokens.encode(
          {{"t", micros_since_epoch(last.happened_at)}, {"id", last.id}}, fingerprint));
    }
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::AmendFollowUp(grpc::ServerContext* context,
                                                const v1::AmendFollowUpRequest* request,
                                                v1::FollowUp* response) {
  return guarded("AmendFollowUp", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto& in = request->follow_up();
    const auto id = parse_follow_up_name(in.name(), "follow_up.name");
    validate_text(request->reason(), "reason", 1000, true, true);
    static const std::set<std::string> amendable = {"scenario",    "content", "feedback",
                                                    "next_action", "channel", "happen_time"};
    if (request->fields().empty())
      throw invalid_field("fields", "name at least one field to amend");
    std::set<std::string> fields;
    for (const auto& field : request->fields()) {
      if (amendable.count(field) == 0) {
        throw invalid_field("fields", fmt::format("'{}' cannot be amended (scenario, content, "
                                                  "feedback, next_action, channel, happen_time)",
                                                  field));
      }
      fields.insert(field);
    }
    if (fields.count("scenario") != 0)
      validate_text(in.scenario(), "follow_up.scenario", 200, false);
    if (fields.count("content") != 0)
      validate_text(in.content(), "follow_up.content", 10000, true, true);
    if (fields.count("feedback") != 0)
      validate_text(in.feedback(), "follow_up.feedback", 10000, false, true);
    if (fields.count("next_action") != 0) {
      validate_text(in.next_action(), "follow_up.next_action", 1000, false, true);
    }
    if (fields.count("channel") != 0) validate_channel(in.channel(), "follow_up.channel");
    std::optional<TimePoint> happened;
    if (fields.count("happen_time") != 0)
      happened = checked_time(in.happen_time(), "follow_up.happen_time");
    *response = deps_.db.run(
        [&](soci::session& sql) {
          soci::transaction transaction(sql);
          FollowUpRepository repository(sql);
          auto [row, customer] = accessible_follow_up(repository, caller, id, true);
          const TimePoint now = deps_.clock.now();
          nlohmann::json changes = nlohmann::json::array();
          const auto change = [&](const char* field, std::string& current,
                                  const std::string& next) {
            if (current == next) return;
            changes.push_back({{"field", field}, {"before", current}, {"after", next}});
            current = next;
          };
          if (fields.count("scenario") != 0) change("scenario", row.scenario, in.scenario());
          if (fields.count("content") != 0) change("content", row.content, in.content());
          if (fields.count("feedback") != 0) change("feedback", row.feedback, in.feedback());
          if (fields.count("next_action") != 0)
            change("next_action", row.next_action, in.next_action());
          if (fields.count("channel") != 0 && row.channel != in.channel()) {
            changes.push_back({{"field", "channel"},
                               {"before", v1::Channel_Name(static_cast<v1::Channel>(row.channel))},
                               {"after", v1::Channel_Name(in.channel())}});
            row.channel = in.channel();
          }
          if (happened && *happened != row.happened_at) {
            if (*happened > now + deps_.settings.clock_skew) {
              throw invalid_field("follow_up.happen_time", "is in the future");
            }
            if (*happened < deps_.calendar.start_of_day(customer.first_contact_date)) {
              throw invalid_field("follow_up.happen_time",
                                  "is before the customer's first contact");
            }
            changes.push_back({{"field", "happen_time"},
                               {"before", format_rfc3339(row.happened_at)},
                               {"after", format_rfc3339(*happened)}});
            row.happened_at = *happened;
            row.late = is_late(row.happened_at, row.logged_at);
            repository.touch_activity(row.customer_id, row.happened_at);
          }
          if (changes.empty()) {
            throw failed_precondition("NOTHING_TO_AMEND", "the amendment changes nothing");
          }
          ++row.revision;
          repository.update_follow_up(row);
          repository.insert_amendment(
              id, {row.revision, caller.user_id, now, request->reason(), changes.dump()});
          transaction.commit();
          return to_proto(row);
        },
        budget(*context));
    deps_.metrics.amended();
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::PlanNextFollowUp(grpc::ServerContext* context,
                                                   const v1::PlanNextFollowUpRequest* request,
                                                   v1::FollowUpPlan* response) {
  return guarded("PlanNextFollowUp", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto customer_id = parse_customer_name(request->customer(), "customer");
    std::optional<TimePoint> plan_at;
    if (request->plan().has_plan_time()) {
      plan_at = checked_time(request->plan().plan_time(), "plan.plan_time");
      validate_text(request->plan().action(), "plan.action", 1000, false, true);
    }
    *response = deps_.db.run(
        [&](soci::session& sql) {
          soci::transaction transaction(sql);
          FollowUpRepository repository(sql);
          const auto customer = accessible_customer(repository, caller, customer_id);
          if (customer.deleted) {
            throw failed_precondition("CUSTOMER_DELETED",
                                      customer_name(customer_id) + " is deleted");
          }
          v1::FollowUpPlan out;
          if (plan_at) {
            repository.set_plan(customer_id, *plan_at, request->plan().action(), false,
                                caller.user_id, deps_.clock.now());
            out = plan_to_proto(*repository.plan(customer_id));
          } else {
            repository.clear_plan(customer_id);
            out.set_customer(customer_name(customer_id));
            out.set_owner_id(customer.owner_id);
            out.set_customer_display_name(customer.display_name);
            out.set_stage(static_cast<v1::Stage>(customer.stage));
          }
          transaction.commit();
          return out;
        },
        budget(*context));
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::ListDueFollowUps(grpc::ServerContext* context,
                                                   const v1::ListDueFollowUpsRequest* request,
                                                   v1::ListDueFollowUpsResponse* response) {
  return guarded("ListDueFollowUps", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const ListScope scope = list_scope(caller, request->owner_id());
    const int page_size = checked_page_size(request->page_size(), kDefaultPageSize, kMaxPageSize);
    const auto [today_start, tomorrow_start] = today_bounds();
    const std::string fingerprint =
        fmt::format("ListDueFollowUps|{}|{}|{}", caller.user_id, request->owner_id(),
                    micros_since_epoch(today_start));
    std::optional<std::pair<long long, std::uint64_t>> after;
    if (!request->page_token().empty()) {
      after = cursor_of(deps_.page_tokens.decode(request->page_token(), fingerprint));
    }
    const auto rows = deps_.db.run(
        [&](soci::session& sql) {
          return FollowUpRepository(sql).due_plans(scope, tomorrow_start, after, page_size + 1);
        },
        budget(*context));
    for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(page_size); ++i) {
      auto* list = *rows[i].plan_at < today_start ? response->mutable_overdue()
                                                  : response->mutable_due_today();
      *list->Add() = plan_to_proto(rows[i]);
    }
    if (rows.size() > static_cast<std::size_t>(page_size)) {
      const auto& last = rows[static_cast<std::size_t>(page_size) - 1];
      response->set_next_page_token(deps_.page_tokens.encode(
          {{"t", micros_since_epoch(*last.plan_at)}, {"id", last.customer_id}}, fingerprint));
    }
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::ListStalledCustomers(
    grpc::ServerContext* context, const v1::ListStalledCustomersRequest* request,
    v1::ListStalledCustomersResponse* response) {
  return guarded("ListStalledCustomers", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const ListScope scope = list_scope(caller, request->owner_id());
    const int page_size = checked_page_size(request->page_size(), kDefaultPageSize, kMaxPageSize);
    const std::string fingerprint =
        fmt::format("ListStalledCustomers|{}|{}", caller.user_id, request->owner_id());
    std::uint64_t after = 0;
    if (!request->page_token().empty())
      after = cursor_of(deps_.page_tokens.decode(request->page_token(), fingerprint)).second;
    const TimePoint now = deps_.clock.now();
    // Scan open customers in id order, keep the stalled ones; one call looks
    // at a bounded number of rows and hands out a token to go on.
    constexpr int kScanChunk = 1000;
    constexpr int kMaxScanned = 20000;
    int scanned = 0;
    bool exhausted = false;
    deps_.db.run(
        [&](soci::session& sql) {
          FollowUpRepository repository(sql);
          std::map<std::string, Cadence> cadences;
          while (response->customers_size() < page_size && scanned < kMaxScanned) {
            const auto rows = repository.open_customers(scope, after, kScanChunk);
            for (const auto& row : rows) {
              after = row.customer.id;
              ++scanned;
              auto found = cadences.find(row.customer.team_id);
              if (found == cadences.end()) {
                found = cadences
                            .emplace(row.customer.team_id,
                                     repository.team_cadence(row.customer.team_id))
                            .first;
              }
              const Cadence& cadence = found->second;
              const int days = cadence.interval_days(row.customer.stage, row.override_days);
              const TimePoint last = row.last_follow_up_at.value_or(
                  deps_.calendar.start_of_day(row.customer.first_contact_date));
              if (!is_stalled(row.customer.stage, last, now, days, cadence.stalled_factor))
                continue;
              auto* out = response->add_customers();
              out->set_customer(customer_name(row.customer.id));
              out->set_customer_display_name(row.customer.display_name);
              out->set_stage(static_cast<v1::Stage>(row.customer.stage));
              out->set_owner_id(row.customer.owner_id);
              *out->mutable_last_contact_time() = to_timestamp(last);
              out->set_idle_days(static_cast<int>(
                  std::chrono::duration_cast<std::chrono::hours>(now - last).count() / 24));
              out->set_threshold_days(days * cadence.stalled_factor);
              if (response->customers_size() >= page_size) break;
            }
            if (rows.size() < static_cast<std::size_t>(kScanChunk) &&
                response->customers_size() < page_size) {
              exhausted = true;  // reached the end of the scope
              break;
            }
          }
        },
        budget(*context));
    if (!exhausted) {
      response->set_next_page_token(
          deps_.page_tokens.encode({{"t", 0}, {"id", after}}, fingerprint));
    }
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::ListHighIntentCustomers(
    grpc::ServerContext* context, const v1::ListHighIntentCustomersRequest* request,
    v1::ListHighIntentCustomersResponse* response) {
  return guarded("ListHighIntentCustomers", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const ListScope scope = list_scope(caller, request->owner_id());
    const int page_size = checked_page_size(request->page_size(), kDefaultPageSize, kMaxPageSize);
    const std::string fingerprint =
        fmt::format("ListHighIntentCustomers|{}|{}", caller.user_id, request->owner_id());
    std::optional<std::pair<long long, std::uint64_t>> after;
    if (!request->page_token().empty()) {
      after = cursor_of(deps_.page_tokens.decode(request->page_token(), fingerprint));
    }
    const auto rows = deps_.db.run(
        [&](soci::session& sql) {
          return FollowUpRepository(sql).high_intent(scope, after, page_size + 1);
        },
        budget(*context));
    for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(page_size); ++i) {
      *response->add_customers() = plan_to_proto(rows[i]);
    }
    if (rows.size() > static_cast<std::size_t>(page_size)) {
      const auto& last = rows[static_cast<std::size_t>(page_size) - 1];
      constexpr long long kNoPlan = 253402300799000000LL;
      response->set_next_page_token(deps_.page_tokens.encode(
          {{"t", last.plan_at ? micros_since_epoch(*last.plan_at) : kNoPlan},
           {"id", last.customer_id}},
          fingerprint));
    }
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::GetCadencePolicy(grpc::ServerContext* context,
                                                   const v1::GetCadencePolicyRequest* request,
                                                   v1::CadencePolicy* response) {
  return guarded("GetCadencePolicy", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const std::string team = request->team_id().empty() ? caller.team_id : request->team_id();
    if (team.empty()) throw invalid_field("team_id", "is required for a caller without a team");
    validate_text(team, "team_id", 64, true);
    if ((caller.role == Role::rep || caller.role == Role::manager) && team != caller.team_id) {
      throw permission_denied("you may only read your own team's policy");
    }
    const auto stored = deps_.db.run(
        [&](soci::session& sql) { return FollowUpRepository(sql).stored_policy(team); },
        budget(*context));
    const Cadence cadence = stored ? stored->first : Cadence{};
    response->set_team_id(team);
    response->set_potential_days(cadence.days[1]);
    response->set_intention_days(cadence.days[2]);
    response->set_high_intention_days(cadence.days[3]);
    response->set_won_days(cadence.days[4]);
    response->set_lost_days(cadence.days[5]);
    response->set_stalled_factor(cadence.stalled_factor);
    if (stored) {
      response->set_updated_by(stored->second.first);
      *response->mutable_update_time() = to_timestamp(stored->second.second);
    }
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::UpdateCadencePolicy(grpc::ServerContext* context,
                                                      const v1::UpdateCadencePolicyRequest* request,
                                                      v1::CadencePolicy* response) {
  return guarded("UpdateCadencePolicy", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto& in = request->policy();
    const std::string team = in.team_id().empty() ? caller.team_id : in.team_id();
    if (caller.role == Role::rep)
      throw permission_denied("only managers and admins may change the cadence");
    if (caller.role == Role::manager && team != caller.team_id) {
      throw permission_denied("a manager may only change their own team's cadence");
    }
    if (team.empty()) throw invalid_field("policy.team_id", "is required");
    validate_text(team, "policy.team_id", 64, true);
    Cadence cadence;
    const std::array<std::pair<const char*, int>, 5> days = {
        {{"policy.potential_days", in.potential_days()},
         {"policy.intention_days", in.intention_days()},
         {"policy.high_intention_days", in.high_intention_days()},
         {"policy.won_days", in.won_days()},
         {"policy.lost_days", in.lost_days()}}};
    for (std::size_t i = 0; i < days.size(); ++i) {
      if (days[i].second < 0 || days[i].second > kMaxIntervalDays) {
        throw invalid_field(days[i].first, "must be between 0 (no plan) and 365 days");
      }
      cadence.days.at(i + 1) = days[i].second;
    }
    cadence.stalled_factor = in.stalled_factor() == 0 ? 2 : in.stalled_factor();
    if (cadence.stalled_factor < 1 || cadence.stalled_factor > 10) {
      throw invalid_field("policy.stalled_factor", "must be between 1 and 10");
    }
    const TimePoint now = deps_.clock.now();
    deps_.db.run(
        [&](soci::session& sql) {
          FollowUpRepository(sql).save_policy(team, cadence, caller.user_id, now);
        },
        budget(*context));
    *response = in;
    response->set_team_id(team);
    response->set_stalled_factor(cadence.stalled_factor);
    response->set_updated_by(caller.user_id);
    *response->mutable_update_time() = to_timestamp(now);
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::SetCustomerCadence(grpc::ServerContext* context,
                                                     const v1::SetCustomerCadenceRequest* request,
                                                     v1::CustomerCadence* response) {
  return guarded("SetCustomerCadence", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto customer_id = parse_customer_name(request->customer(), "customer");
    if (request->interval_days() < 0 || request->interval_days() > kMaxIntervalDays) {
      throw invalid_field("interval_days", "must be between 0 (clear) and 365");
    }
    deps_.db.run(
        [&](soci::session& sql) {
          FollowUpRepository repository(sql);
          accessible_customer(repository, caller, customer_id);
          repository.set_customer_override(customer_id, request->interval_days(), caller.user_id,
                                           deps_.clock.now());
        },
        budget(*context));
    response->set_customer(customer_name(customer_id));
    response->set_interval_days(request->interval_days());
    response->set_set_by(caller.user_id);
    return grpc::Status::OK;
  });
}

}  // namespace salesfollow::followup_service
