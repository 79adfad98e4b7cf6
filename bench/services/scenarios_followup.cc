// FollowUpService scenarios and their raw database floors: the statements of
// followup-service/followup_repository.cc, followup_service.cc and
// common/src/idempotency.cc in the same order and transactions (values
// substituted into the text as SOCI's MySQL backend does). LogFollowUp
// changes the stage in 10% of the calls: the service then calls
// customer-service's ChangeCustomerStage; the floor sends that method's SQL
// itself (its UPDATE sets only the changed columns, the service's sets all).
#include <fmt/format.h>

#include <chrono>

#include "customer_repository.h"
#include "followup_repository.h"
#include "salesfollow/common/sql_util.h"
#include "salesfollow/v1/followup.grpc.pb.h"
#include "scenarios.h"

namespace salesfollow::bench {
namespace {

using Stub = v1::FollowUpService::Stub;

// The repositories' own column lists.
using customer_service::customer_columns;
using followup_service::plan_columns;

// The customers of one client, with their stages as this client changed them.
class CustomerCursor {
 public:
  CustomerCursor(const Context& context, int client)
      : rep_(rep_of(context, client)),
        indexes_(slice_of(context, client)),
        stages_(rep_.stages),
        gen_(std::hash<std::string>{}(context.nonce) +
             static_cast<std::uint64_t>(client) * 104729U) {}
  std::size_t pick() {
    return indexes_[static_cast<std::size_t>(
        gen_.uniform(0, static_cast<int>(indexes_.size()) - 1))];
  }
  std::uint64_t id(std::size_t i) const { return rep_.customers[i]; }
  int stage(std::size_t i) const { return stages_[i]; }
  void set_stage(std::size_t i, int stage) { stages_[i] = stage; }
  int other_open_stage(std::size_t i) {  // 1..3, different from the current one
    int target = gen_.uniform(1, 2);
    if (target >= stages_[i]) ++target;
    return target;
  }
  DataGen& gen() { return gen_; }
  const Rep& rep() const { return rep_; }

 private:
  const Rep& rep_;
  std::vector<std::size_t> indexes_;
  std::vector<int> stages_;
  DataGen gen_;
};

// ---------------------------------------------------------------- LogFollowUp
class LogWorker : public Worker {
 public:
  LogWorker(const Context& context, int client)
      : context_(context),
        client_(client),
        cursor_(context, client),
        stub_(v1::FollowUpService::NewStub(client_channel(context.followup_address, client))) {}
  void call() override {
    const std::size_t i = cursor_.pick();
    auto& gen = cursor_.gen();
    v1::LogFollowUpRequest request;
    auto* f = request.mutable_follow_up();
    f->set_customer(fmt::format("customers/{}", cursor_.id(i)));
    const auto happened = std::chrono::system_clock::now() - std::chrono::hours(1);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(happened.time_since_epoch()).count();
    f->mutable_happen_time()->set_seconds(micros / 1000000);
    f->mutable_happen_time()->set_nanos(static_cast<int>(micros % 1000000) * 1000);
    f->set_channel(static_cast<v1::Channel>(gen.uniform(1, 4)));
    f->set_scenario("电话沟通需求细节");
    f->set_content(gen.follow_up_content());
    f->set_feedback("客户对方案比较满意，希望下周给出正式报价。");
    f->set_next_action("3天内发送3个参考案例");
    int target = 0;
    if (gen.uniform(0, 9) == 0) {  // 10% with a stage change
      target = cursor_.other_open_stage(i);
      auto* change = request.mutable_stage_change();
      change->set_stage(static_cast<v1::Stage>(target));
      change->set_reason("客户认可方案，进入下一阶段");
    }
    request.set_request_id(fmt::format("bench-{}-lf{}-{}", context_.nonce, client_, counter_++));
    v1::LogFollowUpResponse response;
    check(with_retries([&] {
            grpc::ClientContext call;
            prepare(call, cursor_.rep().token);
            return stub_->LogFollowUp(&call, request, &response);
          }),
          "LogFollowUp");
    if (target != 0) cursor_.set_stage(i, target);
  }

 private:
  const Context& context_;
  int client_;
  CustomerCursor cursor_;
  std::unique_ptr<Stub> stub_;
  std::uint64_t counter_ = 0;
};

class LogFloor : public Worker {
 public:
  LogFloor(const Context& context, int client)
      : context_(context), client_(client), cursor_(context, client), db_(context.db) {}

  void call() override {
    for (int attempt = 1;; ++attempt) {
      try {
        return attempt_once();
      } catch (const std::exception& e) {
        if (attempt >= 5 || !is_retryable_db_error(e)) throw;
        count_retry();
      }
    }
  }
  void attempt_once() {
    const std::size_t i = cursor_.pick();
    auto& gen = cursor_.gen();
    const auto& rep = cursor_.rep();
    const auto id = cursor_.id(i);
    const std::string rid =
        db_.quote(fmt::format("bench-{}-fl{}-{}", context_.nonce, client_, counter_++));
    const auto now_tp = std::chrono::system_clock::now();
    const std::string now = db_.quote(utc_datetime(now_tp));
    const std::string happened = db_.quote(utc_datetime(now_tp - std::chrono::hours(1)));
    // accessible_customer
    db_.rows(
        fmt::format("SELECT id, display_name, owner_id, team_id, DATE_FORMAT("
                    "first_contact_date, '%Y-%m-%d'), stage, deleted FROM customers WHERE "
                    "id = '{}'",
                    id));
    // the stored answer, looked up before the stage change
    db_.rows(
        "SELECT request_hash, response FROM idempotency_keys WHERE method = 'LogFollowUp' "
        "AND request_id = " +
        rid);
    int stage_after = cursor_.stage(i);
    std::string stage_event;
    if (gen.uniform(0, 9) == 0) {
      const int target = cursor_.other_open_stage(i);
      stage_event = change_stage(id, target, rid, now);
      stage_after = target;
      cursor_.set_stage(i, target);
    }
    // run_idempotent
    db_.rows(
        "SELECT request_hash, response FROM idempotency_keys WHERE method = 'LogFollowUp' "
        "AND request_id = " +
        rid);
    db_.exec("BEGIN");
    try {
      db_.exec(
          "INSERT INTO idempotency_keys (method, request_id, request_hash, caller_id, "
          "response, created_at) VALUES ('LogFollowUp', " +
          rid + ", " + db_.quote(fake_hex(gen, 64)) + ", " + db_.quote(rep.user) + ", '', " + now +
          ")");
      db_.exec(fmt::format(
          "INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, "
          "logger_id, channel, scenario, content, feedback, next_action, stage_after, "
          "stage_event, revision) VALUES ({}, {}, {}, 0, {}, {}, {}, {}, {}, {}, {}, {}, {}, 0)",
          id, happened, now, db_.quote(rep.user), db_.quote(rep.user), gen.uniform(1, 4),
          db_.quote("电话沟通需求细节"), db_.quote(gen.follow_up_content()),
          db_.quote("客户对方案比较满意，希望下周给出正式报价。"),
          db_.quote("3天内发送3个参考案例"), stage_after, db_.quote(stage_event)));
      db_.last_insert_id();
      db_.exec(
          fmt::format("INSERT INTO customer_activity (customer_id, last_follow_up_at) VALUES "
                      "({}, {}) ON DUPLICATE KEY UPDATE last_follow_up_at = GREATEST("
                      "last_follow_up_at, VALUES(last_follow_up_at))",
                      id, happened));
      db_.rows(
          "SELECT potential_days, intention_days, high_intention_days, won_days, lost_days, "
          "stalled_factor, updated_by, " +
          micros_of("updated_at") +
          " FROM cadence_policies WHERE team_id = " + db_.quote(rep.team));
      db_.rows(
          fmt::format("SELECT interval_days FROM customer_cadences WHERE customer_id = '{}'", id));
      const auto plan_at = now_tp - std::chrono::hours(1) + std::chrono::hours(24 * 3);
      db_.exec(fmt::format(
          "INSERT INTO follow_up_plans (customer_id, owner_id, team_id, plan_at, action, "
          "recommended, planner_id, updated_at, reminded) SELECT c.id, c.owner_id, c.team_id, "
          "{}, {}, 1, {}, {}, 0 FROM customers c WHERE c.id = '{}' ON DUPLICATE KEY UPDATE "
          "owner_id = VALUES(owner_id), team_id = VALUES(team_id), plan_at = VALUES(plan_at), "
          "action = VALUES(action), recommended = VALUES(recommended), "
          "planner_id = VALUES(planner_id), updated_at = VALUES(updated_at), reminded = 0",
          db_.quote(utc_datetime(plan_at)), db_.quote("3天内发送3个参考案例"), db_.quote(rep.user),
          now, id));
      db_.rows(
          fmt::format("SELECT {} FROM customers c JOIN follow_up_plans p ON p.customer_id = "
                      "c.id WHERE c.id = '{}'",
                      plan_columns(), id));
      db_.exec("UPDATE idempotency_keys SET response = " + db_.quote(fake_sealed(gen, 380)) +
               " WHERE method = 'LogFollowUp' AND request_id = " + rid);
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }

 private:
  // ChangeCustomerStage's statements (customer-service), as run_idempotent sends them.
  std::string change_stage(std::uint64_t id, int target, const std::string& rid,
                           const std::string& now) {
    auto& gen = cursor_.gen();
    const auto& rep = cursor_.rep();
    const std::string crid = db_.quote("followup:" + rid.substr(1, rid.size() - 2));
    db_.rows(
        "SELECT request_hash, response FROM idempotency_keys WHERE method = "
        "'ChangeCustomerStage' AND request_id = " +
        crid);
    db_.exec("BEGIN");
    try {
      db_.exec(
          "INSERT INTO idempotency_keys (method, request_id, request_hash, caller_id, "
          "response, created_at) VALUES ('ChangeCustomerStage', " +
          crid + ", " + db_.quote(fake_hex(gen, 64)) + ", " + db_.quote(rep.user) + ", '', " + now +
          ")");
      const auto row = db_.rows(fmt::format(
          "SELECT {} FROM customers c WHERE c.id = '{}' FOR UPDATE", customer_columns(), id));
      if (row.empty()) throw std::runtime_error("floor: customer not found");
      const int from = std::stoi(row.front()[22]);
      db_.exec(
          fmt::format("UPDATE customers SET stage = {}, stage_changed_at = {}, updated_at = "
                      "{}, version = version + 1 WHERE id = {}",
                      target, now, now, id));
      db_.exec(
          fmt::format("INSERT INTO stage_events (customer_id, from_stage, to_stage, reason, "
                      "loss_reason, loss_note, actor_id, owner_id, team_id, created_at) "
                      "VALUES ({}, {}, {}, {}, NULL, '', {}, {}, {}, {})",
                      id, from, target, db_.quote("客户认可方案，进入下一阶段"),
                      db_.quote(rep.user), db_.quote(rep.user), db_.quote(rep.team), now));
      const auto event = std::to_string(db_.last_insert_id());
      db_.exec("UPDATE idempotency_keys SET response = " + db_.quote(fake_sealed(gen, 700)) +
               " WHERE method = 'ChangeCustomerStage' AND request_id = " + crid);
      db_.exec("COMMIT");
      return fmt::format("customers/{}/stageEvents/{}", id, event);
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }

  const Context& context_;
  int client_;
  CustomerCursor cursor_;
  RawDb db_;
  std::uint64_t counter_ = 0;
};

// ---------------------------------------------------------------- ListDueFollowUps
class DueWorker : public Worker {
 public:
  DueWorker(const Context& context, int client)
      : rep_(rep_of(context, client)),
        stub_(v1::FollowUpService::NewStub(client_channel(context.followup_address, client))) {}
  void call() override {
    v1::ListDueFollowUpsRequest request;  // owner "" = the caller's own customers
    request.set_page_size(50);
    grpc::ClientContext call;
    prepare(call, rep_.token);
    v1::ListDueFollowUpsResponse response;
    check(stub_->ListDueFollowUps(&call, request, &response), "ListDueFollowUps");
  }

 private:
  const Rep& rep_;
  std::unique_ptr<Stub> stub_;
};

class DueFloor : public Worker {
 public:
  DueFloor(const Context& context, int client) : rep_(rep_of(context, client)), db_(context.db) {}
  void call() override {
    // due_plans for a rep: scope owner and only_owner, before tomorrow's start.
    const std::string owner = db_.quote(rep_.user);
    const auto before = utc_datetime(std::chrono::system_clock::now() + std::chrono::hours(12));
    db_.rows(
        fmt::format("SELECT {} FROM follow_up_plans p JOIN customers c ON c.id = "
                    "p.customer_id WHERE c.deleted = 0 AND p.plan_at < '{}' AND c.owner_id = "
                    "{} AND c.owner_id = {} AND p.owner_id = {} AND p.owner_id = {} "
                    "ORDER BY p.plan_at, p.customer_id LIMIT 51",
                    plan_columns(), before, owner, owner, owner, owner));
  }

 private:
  const Rep& rep_;
  RawDb db_;
};

template <typename W>
WorkerFactory factory(const Context& context) {
  return [&context](int client) { return std::make_unique<W>(context, client); };
}

}  // namespace

std::vector<Scenario> followup_scenarios(const Context& context) {
  return {{"LogFollowUp", "write", factory<LogWorker>(context), factory<LogFloor>(context)},
          {"ListDueFollowUps", "read", factory<DueWorker>(context), factory<DueFloor>(context)}};
}

}  // namespace salesfollow::bench
