// Faults against the real processes and a real MariaDB (issue #8, docs/RELIABILITY.md):
//
//   1. mariadbd SIGKILLed during a write load whose clients retry with their
//      request_id: every acknowledged write is present exactly once, nothing is
//      duplicated, the services serve again within 5 s without a restart.
//   2. One of two customer-service replicas behind a client-side round robin
//      gets SIGTERM under load: failures are only UNAVAILABLE, retries land on
//      the other replica, nothing is half-written.
//   3. customer-service down while followup-service logs follow-ups with stage
//      changes: clean UNAVAILABLE, nothing partial, exactly once on retry.
//   5. A lock held by another session: calls end at their deadline (or with
//      the service's lock-wait bound, ABORTED) instead of piling up, and the
//      pool recovers once the lock is gone.
// (Fault 4, the report worker killed mid-run, is report_properties_test.cc.)
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "grpc_probe.h"
#include "mariadb_server.h"
#include "salesfollow/v1/system.grpc.pb.h"
#include "status_text.h"
#include "system_fixture.h"

namespace salesfollow {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::code_name;
namespace sys = testing::system;

const std::string kRepToken = sys::token("rep_fault", "rep", "team_fault");

google::protobuf::Timestamp now_minus(seconds ago) {
  const auto t = std::chrono::system_clock::now() - ago;
  google::protobuf::Timestamp ts;
  ts.set_seconds(std::chrono::duration_cast<seconds>(t.time_since_epoch()).count());
  return ts;
}

bool retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::ABORTED;
}

// Calls `call` (one attempt, same request each time) until it succeeds, fails
// with a code that is not worth a retry, or `budget` runs out. Returns the
// last status and counts the attempts.
grpc::Status with_retries(const std::function<grpc::Status()>& call, Clock::duration budget,
                          int* attempts = nullptr, bool retry_cancelled = false) {
  const auto give_up = Clock::now() + budget;
  grpc::Status status;
  for (int n = 1;; ++n) {
    status = call();
    if (attempts != nullptr) *attempts = n;
    const bool again = retryable(status.error_code()) ||
                       (retry_cancelled && status.error_code() == grpc::StatusCode::CANCELLED);
    if (status.ok() || !again || Clock::now() > give_up) return status;
    std::this_thread::sleep_for(milliseconds(100));
  }
}

// Statuses seen during a run, by code, for the report and for assertions.
class StatusTally {
 public:
  void add(const grpc::Status& status) {
    std::lock_guard lock(mutex_);
    ++counts_[code_name(status.error_code())];
    const auto info = testing::error_info(status);
    ++reasons_[code_name(status.error_code()) + (info ? " " + info->reason() : "")];
    if (!status.ok() && status.error_code() != grpc::StatusCode::UNAVAILABLE &&
        examples_.size() < 10) {
      examples_.push_back(code_name(status.error_code()) + " " + (info ? info->reason() : "") +
                          ": " + status.error_message());
    }
  }
  std::map<std::string, int> counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
  }
  // By code and ErrorInfo reason: "ABORTED CONCURRENT_UPDATE".
  std::map<std::string, int> reasons() const {
    std::lock_guard lock(mutex_);
    return reasons_;
  }
  std::string text() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [code, n] : counts_) out += fmt::format("{}={} ", code, n);
    for (const auto& e : examples_) out += "\n  " + e;
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::map<std::string, int> reasons_;
  std::vector<std::string> examples_;
};

// ------------------------------------------------------------------ fault 1

// One unit of the write load: create a customer, log a follow-up that moves it
// to INTENTION (through followup-service → customer-service), then move it to
// HIGH_INTENTION directly. Each step has its own request_id and is retried
// with it; a step only starts when the one before was acknowledged.
struct Unit {
  std::string key;  // "w{worker}-{n}": in the display name, the content and every request_id
  bool created = false;
  bool logged = false;
  bool staged = false;
  std::string customer;  // "customers/{id}" once acknowledged
  std::string display_name;
};

class WriteLoad {
 public:
  WriteLoad(sys::SystemUnderTest& system, int workers) : system_(system), workers_(workers) {}

  void start() {
    for (int w = 0; w < workers_; ++w) threads_.emplace_back([this, w] { run(w); });
  }
  void stop() {
    stopping_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  std::vector<Unit> units() const {
    std::lock_guard lock(mutex_);
    return units_;
  }
  const StatusTally& tally() const { return tally_; }

 private:
  void run(int worker) {
    for (int n = 0; !stopping_; ++n) {
      Unit unit;
      unit.key = fmt::format("w{}-{}", worker, n);
      const int unique = worker * 100000 + n;
      // A step may run on after stop() was asked (up to its retry budget):
      // the database is back by then, so every started step is acknowledged.
      unit.created = create(unit, unique);
      if (unit.created) unit.logged = log(unit);
      if (unit.logged) unit.staged = change_stage(unit);
      std::lock_guard lock(mutex_);
      units_.push_back(unit);
    }
  }

  grpc::Status attempt(const std::function<grpc::Status(grpc::ClientContext&)>& call) {
    grpc::ClientContext context;
    sys::prepare(context, kRepToken, seconds(3));
    auto status = call(context);
    tally_.add(status);
    return status;
  }

  bool create(Unit& unit, int unique) {
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = sys::sample_customer("kill-" + unit.key, 10'000'000 + unique);
    request.set_request_id("create-" + unit.key);
    unit.display_name = request.customer().display_name();
    v1::Customer created;
    const auto status = with_retries(
        [&] {
          return attempt([&](grpc::ClientContext& c) {
            return system_.customers().CreateCustomer(&c, request, &created);
          });
        },
        seconds(30));
    unit.customer = created.name();
    return status.ok();
  }

  bool log(Unit& unit) {
    v1::LogFollowUpRequest request;
    auto& f = *request.mutable_follow_up();
    f.set_customer(unit.customer);
    *f.mutable_happen_time() = now_minus(seconds(60));
    f.set_channel(v1::PHONE);
    f.set_content("content-" + unit.key);
    request.mutable_stage_change()->set_stage(v1::STAGE_INTENTION);
    request.mutable_stage_change()->set_reason("needs confirmed " + unit.key);
    request.set_request_id("log-" + unit.key);
    v1::LogFollowUpResponse response;
    return with_retries(
               [&] {
                 return attempt([&](grpc::ClientContext& c) {
                   return system_.followups().LogFollowUp(&c, request, &response);
                 });
               },
               seconds(30))
        .ok();
  }

  bool change_stage(Unit& unit) {
    v1::ChangeCustomerStageRequest request;
    request.set_name(unit.customer);
    request.set_stage(v1::STAGE_HIGH_INTENTION);
    request.set_reason("accepts proposal " + unit.key);
    request.set_request_id("stage-" + unit.key);
    v1::ChangeCustomerStageResponse response;
    return with_retries(
               [&] {
                 return attempt([&](grpc::ClientContext& c) {
                   return system_.customers().ChangeCustomerStage(&c, request, &response);
                 });
               },
               seconds(30))
        .ok();
  }

  sys::SystemUnderTest& system_;
  const int workers_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::vector<Unit> units_;
  StatusTally tally_;
};

// Polls a business read on each service until it succeeds; returns how long that took.
std::optional<milliseconds> time_until_serving(sys::SystemUnderTest& system, seconds limit) {
  const auto started = Clock::now();
  bool customers_ok = false;
  bool followups_ok = false;
  while (Clock::now() - started < limit) {
    if (!customers_ok) {
      grpc::ClientContext c;
      sys::prepare(c, kRepToken, milliseconds(1000));
      v1::ListCustomersRequest request;
      request.set_page_size(1);
      v1::ListCustomersResponse response;
      customers_ok = system.customers().ListCustomers(&c, request, &response).ok();
    }
    if (!followups_ok) {
      grpc::ClientContext c;
      sys::prepare(c, kRepToken, milliseconds(1000));
      v1::ListDueFollowUpsRequest request;
      v1::ListDueFollowUpsResponse response;
      followups_ok = system.followups().ListDueFollowUps(&c, request, &response).ok();
    }
    if (customers_ok && followups_ok) {
      return std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return std::nullopt;
}

TEST(DatabaseCrashTest, SigkillUnderWriteLoadLosesNoAcknowledgedWriteAndDuplicatesNone) {
  testing::MariaDbServer server;  // this test's own server: it gets killed
  const auto db = sys::migrate(server.create_database("crash"));
  sys::SystemUnderTest system(db);

  WriteLoad load(system, 4);
  load.start();
  std::this_thread::sleep_for(seconds(3));
  const auto before_kill = load.units().size();
  server.kill();
  const auto killed_at = Clock::now();
  std::this_thread::sleep_for(milliseconds(1500));
  server.start();  // returns once a client can connect (after InnoDB crash recovery)
  const auto restart_took = Clock::now() - killed_at;
  const auto recovery = time_until_serving(system, seconds(10));
  std::this_thread::sleep_for(seconds(3));
  load.stop();

  const auto units = load.units();
  std::cout << fmt::format(
                   "[ figures  ] SIGKILL under load: {} units before the kill, {} in all; "
                   "database down {} ms; services serving {} ms after the database was back; "
                   "statuses: {}\n",
                   before_kill, units.size(),
                   std::chrono::duration_cast<milliseconds>(restart_took).count(),
                   recovery ? std::to_string(recovery->count()) : "never", load.tally().text())
            << std::flush;
  ASSERT_TRUE(recovery.has_value()) << "not serving 10 s after the database restart:\n"
                                    << system.customer_process().log().substr(0, 4000);
  EXPECT_LT(*recovery, milliseconds(5000)) << "services took longer than 5 s to serve again";
  EXPECT_FALSE(system.customer_process().wait_for_exit(milliseconds(0))) << "customer-service died";
  EXPECT_FALSE(system.followup_process().wait_for_exit(milliseconds(0))) << "followup-service died";
  ASSERT_GT(before_kill, 0U) << "no load before the kill: the test proves nothing";
  EXPECT_GE(load.tally().counts()["UNAVAILABLE"], 1) << "the kill was not noticed: test too weak";
  // Non-retryable codes would mean a retry saw a half-done write (e.g. SAME_STAGE).
  for (const auto& [code, n] : load.tally().counts()) {
    EXPECT_TRUE(code == "OK" || code == "UNAVAILABLE" || code == "DEADLINE_EXCEEDED" ||
                code == "ABORTED")
        << n << " x " << code << "\n"
        << load.tally().text();
  }

  auto sql = sys::session(db);
  for (const auto& unit : units) {
    SCOPED_TRACE(unit.key);
    EXPECT_TRUE(unit.created && unit.logged && unit.staged)
        << "a unit was not acknowledged within its retry budget";
    long long customers = 0;
    long long customer_id = 0;
    *sql << "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM customers WHERE display_name = :n",
        soci::use(unit.display_name), soci::into(customers), soci::into(customer_id);
    // Acknowledged: exactly once. Not acknowledged: at most once.
    EXPECT_EQ(customers, unit.created ? 1 : std::min(customers, 1LL)) << "customers with this name";
    if (customers == 0) continue;
    long long follow_ups = 0;
    const std::string content = "content-" + unit.key;
    *sql << "SELECT COUNT(*) FROM follow_ups WHERE content = :c", soci::use(content),
        soci::into(follow_ups);
    EXPECT_EQ(follow_ups, unit.logged ? 1 : std::min(follow_ups, 1LL)) << "follow-ups";
    long long creation = 0;
    long long to_intention = 0;
    long long to_high = 0;
    long long owner_events = 0;
    *sql << "SELECT COALESCE(SUM(from_stage IS NULL), 0), COALESCE(SUM(to_stage = 2), 0), "
            "COALESCE(SUM(to_stage = 3), 0) FROM stage_events WHERE customer_id = :id",
        soci::use(customer_id), soci::into(creation), soci::into(to_intention), soci::into(to_high);
    *sql << "SELECT COUNT(*) FROM owner_events WHERE customer_id = :id", soci::use(customer_id),
        soci::into(owner_events);
    EXPECT_EQ(creation, 1) << "creation stage events";
    EXPECT_EQ(owner_events, 1) << "owner events";
    EXPECT_EQ(to_intention, unit.logged ? 1 : std::min(to_intention, 1LL))
        << "stage events to INTENTION";
    EXPECT_EQ(to_high, unit.staged ? 1 : std::min(to_high, 1LL))
        << "stage events to HIGH_INTENTION";
    long long stage = 0;
    *sql << "SELECT stage FROM customers WHERE id = :id", soci::use(customer_id), soci::into(stage);
    if (unit.staged) {
      EXPECT_EQ(stage, 3) << "current stage";
    }
  }
  // No row the load did not ask for (e.g. a retried create without its id).
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM customers"),
            static_cast<long long>(std::count_if(units.begin(), units.end(),
                                                 [](const Unit& u) { return u.created; })));
}

// ------------------------------------------------------------------ fault 2

TEST(ReplicaShutdownTest, SigtermOfOneReplicaUnderLoadLosesNothingAndFailsOnlyUnavailable) {
  const auto db = sys::migrate(testing::fresh_database("replicas"));
  // The first replica comes with followup-service (unused); the second is plain.
  sys::SystemUnderTest::Options options;
  options.customer_args = {"--drain-timeout=10s"};
  sys::SystemUnderTest system(db, options);
  testing::ServiceProcess second(CUSTOMER_SERVICE_BIN, db, {"--drain-timeout=10s"});
  sys::require_serving(second, "second customer-service replica");
  auto& first = system.customer_process();

  grpc::ChannelArguments arguments;
  arguments.SetLoadBalancingPolicyName("round_robin");
  const auto channel = grpc::CreateCustomChannel(
      fmt::format("ipv4:127.0.0.1:{},127.0.0.1:{}", first.grpc_port(), second.grpc_port()),
      grpc::InsecureChannelCredentials(), arguments);
  auto stub = v1::CustomerService::NewStub(channel);

  std::atomic<bool> stopping{false};
  StatusTally tally;
  std::mutex mutex;
  std::map<std::string, std::string> acknowledged;  // request_id -> customer
  std::vector<std::string> not_acknowledged;
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (int n = 0; !stopping; ++n) {
        const std::string key = fmt::format("r{}-{}", w, n);
        v1::CreateCustomerRequest request;
        *request.mutable_customer() =
            sys::sample_customer("rr-" + key, 20'000'000 + w * 100000 + n);
        request.set_request_id("create-" + key);
        v1::Customer created;
        const auto status = with_retries(
            [&] {
              grpc::ClientContext context;
              sys::prepare(context, kRepToken, seconds(5));
              created.Clear();
              auto s = stub->CreateCustomer(&context, request, &created);
              tally.add(s);
              return s;
            },
            // Finding F7: a call that reaches the replica as it starts to
            // drain may be answered CANCELLED (by gRPC, before any handler);
            // nothing was written, so the same request_id is retried.
            seconds(20), nullptr, /*retry_cancelled=*/true);
        std::lock_guard lock(mutex);
        if (status.ok()) {
          acknowledged[request.request_id()] = created.name();
        } else {
          not_acknowledged.push_back(key + " " + code_name(status.error_code()));
        }
      }
    });
  }
  std::this_thread::sleep_for(seconds(2));
  const auto started_before = tally.counts()["OK"];
  first.signal(SIGTERM);
  const auto exit_status = first.wait_for_exit(seconds(15));
  std::this_thread::sleep_for(seconds(2));
  stopping = true;
  for (auto& t : workers) t.join();

  std::cout << fmt::format(
                   "[ figures  ] replica SIGTERM: {} creates acknowledged ({} before the "
                   "signal); statuses: {}\n",
                   acknowledged.size(), started_before, tally.text())
            << std::flush;
  EXPECT_EQ(exit_status, 0) << "the stopped replica did not drain cleanly:\n" << first.log();
  EXPECT_THAT(not_acknowledged, ::testing::IsEmpty());
  // The shutdown may only cost UNAVAILABLE. ABORTED CONCURRENT_UPDATE is the
  // create path's own contention (duplicate-detection gap locks make
  // concurrent creates deadlock now and then, with or without a shutdown; see
  // docs/RELIABILITY.md, findings): documented as retryable, and retried here.
  // CANCELLED is finding F7 (retried above; exactly-once is checked below).
  for (const auto& [code, n] : tally.reasons()) {
    EXPECT_TRUE(code == "OK" || code.rfind("UNAVAILABLE", 0) == 0 ||
                code == "ABORTED CONCURRENT_UPDATE" || code == "CANCELLED")
        << n << " x " << code << "\n"
        << tally.text();
  }
  // Both replicas served: the round robin really spread the load.
  const auto served_by = [](testing::ServiceProcess& p) {
    return p.log().find("CreateCustomer") != std::string::npos;
  };
  EXPECT_TRUE(served_by(first));
  EXPECT_TRUE(served_by(second));

  // Exactly once, and whole: every customer has its creation stage event and owner event.
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM customers"),
            static_cast<long long>(acknowledged.size()));
  EXPECT_EQ(sys::count(db,
                       "SELECT COUNT(*) FROM customers c WHERE (SELECT COUNT(*) FROM "
                       "stage_events s WHERE s.customer_id = c.id AND s.from_stage IS NULL) "
                       "<> 1 OR (SELECT COUNT(*) FROM owner_events o WHERE o.customer_id = "
                       "c.id) <> 1 OR NOT EXISTS (SELECT 1 FROM customer_need_tags t WHERE "
                       "t.customer_id = c.id)"),
            0)
      << "a customer without exactly one creation event, owner event and its need tags";
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM idempotency_keys"),
            static_cast<long long>(acknowledged.size()))
      << "stored answers";
  std::set<std::string> names;
  for (const auto& [id, name] : acknowledged) names.insert(name);
  EXPECT_EQ(names.size(), acknowledged.size()) << "two requests answered with one customer";
}

// ------------------------------------------------------------------ fault 3

v1::LogFollowUpRequest stage_follow_up(const std::string& customer, const std::string& key) {
  v1::LogFollowUpRequest request;
  auto& f = *request.mutable_follow_up();
  f.set_customer(customer);
  *f.mutable_happen_time() = now_minus(seconds(120));
  f.set_channel(v1::MEETING);
  f.set_content("content-" + key);
  request.mutable_stage_change()->set_stage(v1::STAGE_INTENTION);
  request.mutable_stage_change()->set_reason("确认需求 " + key);
  request.set_request_id("log-" + key);
  return request;
}

TEST(CustomerServiceDownTest, StageChangesFailCleanlyThenSucceedExactlyOnceOnRetry) {
  const auto db = sys::migrate(testing::fresh_database("cs_down"));
  const int customer_port = testing::free_local_port();
  const auto customer_args = std::vector<std::string>{
      "--grpc-listen=127.0.0.1:" + std::to_string(customer_port), "--drain-timeout=5s"};
  auto customer_service =
      std::make_unique<testing::ServiceProcess>(CUSTOMER_SERVICE_BIN, db, customer_args);
  sys::require_serving(*customer_service, "customer-service");
  testing::ServiceProcess followup_service(
      FOLLOWUP_SERVICE_BIN, db,
      {"--customer-service-address=127.0.0.1:" + std::to_string(customer_port)});
  sys::require_serving(followup_service, "followup-service");
  auto customers =
      v1::CustomerService::NewStub(testing::channel_to(customer_service->grpc_address()));
  auto followups =
      v1::FollowUpService::NewStub(testing::channel_to(followup_service.grpc_address()));

  constexpr std::size_t kCount = 12;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kCount; ++i) {
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = sys::sample_customer("down", 30'000'000 + static_cast<int>(i));
    grpc::ClientContext context;
    sys::prepare(context, kRepToken);
    v1::Customer created;
    const auto status = customers->CreateCustomer(&context, request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    names.push_back(created.name());
  }
  // Built once: a retry must be the same request (happen_time included).
  std::vector<v1::LogFollowUpRequest> requests;
  for (std::size_t i = 0; i < kCount; ++i) {
    requests.push_back(stage_follow_up(names[i], std::to_string(i)));
  }
  const auto follow_ups_before = sys::count(db, "SELECT COUNT(*) FROM follow_ups");
  const auto events_before = sys::count(db, "SELECT COUNT(*) FROM stage_events");
  const auto plans_before = sys::count(db, "SELECT COUNT(*) FROM follow_up_plans");

  // Half of the calls hit a customer-service that is gone (SIGKILL: no
  // drain), the other half are sent in parallel while it is gone.
  customer_service->signal(SIGKILL);
  ASSERT_TRUE(customer_service->wait_for_exit(seconds(5)).has_value());
  std::vector<std::future<grpc::Status>> calls;
  for (std::size_t i = 0; i < kCount; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      grpc::ClientContext context;
      sys::prepare(context, kRepToken, seconds(5));
      v1::LogFollowUpResponse response;
      return followups->LogFollowUp(&context, requests[i], &response);
    }));
  }
  for (std::size_t i = 0; i < kCount; ++i) {
    const auto status = calls[i].get();
    EXPECT_EQ(code_name(status.error_code()), "UNAVAILABLE") << i << ": " << status.error_message();
  }
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM follow_ups"), follow_ups_before)
      << "partial write";
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM stage_events"), events_before) << "partial write";
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM follow_up_plans"), plans_before)
      << "partial write";
  EXPECT_FALSE(followup_service.wait_for_exit(milliseconds(0))) << "followup-service died";

  customer_service =
      std::make_unique<testing::ServiceProcess>(CUSTOMER_SERVICE_BIN, db, customer_args);
  sys::require_serving(*customer_service, "customer-service (again)");
  for (std::size_t i = 0; i < kCount; ++i) {
    // Each request twice: the retry and a duplicate of it (a lost answer).
    for (int attempt = 0; attempt < 2; ++attempt) {
      const auto status = with_retries(
          [&] {
            grpc::ClientContext context;
            sys::prepare(context, kRepToken, seconds(5));
            v1::LogFollowUpResponse response;
            return followups->LogFollowUp(&context, requests[i], &response);
          },
          seconds(10));
      EXPECT_TRUE(status.ok()) << i << "/" << attempt << ": " << code_name(status.error_code())
                               << " " << status.error_message();
    }
  }
  const auto count = static_cast<long long>(kCount);
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM follow_ups"), follow_ups_before + count);
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM stage_events"), events_before + count);
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM customers WHERE stage = 2"), count);
  EXPECT_EQ(sys::count(db,
                       "SELECT COUNT(*) FROM follow_ups f JOIN stage_events s ON "
                       "f.stage_event = CONCAT('customers/', s.customer_id, "
                       "'/stageEvents/', s.id) WHERE s.to_stage = 2"),
            count)
      << "every follow-up names the stage event it caused";
}

// ------------------------------------------------------------------ finding F4

// Regression test for finding F4 (docs/RELIABILITY.md): every open
// WatchReminders stream holds one thread of the synchronous server for its
// whole life, and the server has --grpc-max-threads (default 64) of them. So
// as many reps as threads watching their reminders make followup-service
// answer every other call RESOURCE_EXHAUSTED ("Server Threadpool Exhausted").
// Reproduced here with 8 threads and 8 streams; enable with the fix (an async
// or callback handler for the stream, or a stream cap below the thread cap).
TEST(ReminderStreamCapacityTest, OpenReminderStreamsDoNotStarveOtherCalls) {
  const auto db = sys::migrate(testing::fresh_database("streams"));
  sys::SystemUnderTest::Options options;
  options.followup_args = {"--grpc-max-threads=8"};
  sys::SystemUnderTest system(db, options);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::Reminder>>> streams;
  for (int i = 0; i < 8; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    sys::prepare(*contexts.back(), sys::token(fmt::format("rep_{}", i), "rep", "team1"),
                 seconds(30));
    streams.push_back(system.followups().WatchReminders(contexts.back().get(), {}));
  }
  std::this_thread::sleep_for(milliseconds(500));
  grpc::ClientContext context;
  sys::prepare(context, kRepToken, seconds(5));
  v1::GetCadencePolicyRequest request;
  v1::CadencePolicy policy;
  const auto status = system.followups().GetCadencePolicy(&context, request, &policy);
  EXPECT_TRUE(status.ok()) << code_name(status.error_code()) << ": " << status.error_message();
  for (auto& c : contexts) c->TryCancel();
  for (auto& s : streams) s->Finish();
}

// ------------------------------------------------------------------ fault 5

struct TimedStatus {
  grpc::Status status;
  milliseconds took{};
};

TimedStatus timed_stage_change(v1::CustomerService::Stub& stub, const std::string& name,
                               v1::Stage stage, milliseconds deadline) {
  grpc::ClientContext context;
  sys::prepare(context, kRepToken, deadline);
  v1::ChangeCustomerStageRequest request;
  request.set_name(name);
  request.set_stage(stage);
  request.set_reason("lock test");
  v1::ChangeCustomerStageResponse response;
  const auto started = Clock::now();
  TimedStatus result;
  result.status = stub.ChangeCustomerStage(&context, request, &response);
  result.took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  return result;
}

TimedStatus timed_get(v1::CustomerService::Stub& stub, const std::string& name,
                      milliseconds deadline) {
  grpc::ClientContext context;
  sys::prepare(context, kRepToken, deadline);
  v1::GetCustomerRequest request;
  request.set_name(name);
  v1::Customer response;
  const auto started = Clock::now();
  TimedStatus result;
  result.status = stub.GetCustomer(&context, request, &response);
  result.took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  return result;
}

class SlowDatabaseTest : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& args) {
    db_ = sys::migrate(testing::fresh_database("slow"));
    process_ = std::make_unique<testing::ServiceProcess>(CUSTOMER_SERVICE_BIN, db_, args);
    sys::require_serving(*process_, "customer-service");
    stub_ = v1::CustomerService::NewStub(testing::channel_to(process_->grpc_address()));
    for (int i = 0; i < 2; ++i) {
      v1::CreateCustomerRequest request;
      *request.mutable_customer() = sys::sample_customer("slow", 40'000'000 + i);
      grpc::ClientContext context;
      sys::prepare(context, kRepToken);
      v1::Customer created;
      const auto status = stub_->CreateCustomer(&context, request, &created);
      ASSERT_TRUE(status.ok()) << status.error_message();
      names_.push_back(created.name());
    }
  }
  double pool_in_use() {
    const auto text = testing::http_get(process_->metrics_port(), "/metrics");
    double sum = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("salesfollow_db_pool_connections{", 0) == 0 &&
          line.find("state=\"in_use\"") != std::string::npos) {
        sum += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
    return sum;
  }

  DbConfig db_;
  std::unique_ptr<testing::ServiceProcess> process_;
  std::unique_ptr<v1::CustomerService::Stub> stub_;
  std::vector<std::string> names_;
};

TEST_F(SlowDatabaseTest, ARowLockEndsCallsAtTheirDeadlineAndThePoolRecovers) {
  start({"--db-pool-size=4"});
  ASSERT_FALSE(HasFailure());
  auto locker = sys::session(db_);
  locker->begin();
  const auto locked_id = names_[0].substr(names_[0].find('/') + 1);
  *locker << "SELECT id FROM customers WHERE id = " + locked_id + " FOR UPDATE";

  // More callers than pooled connections, each with a 1 s deadline.
  std::vector<std::future<TimedStatus>> calls;
  for (int i = 0; i < 12; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      return timed_stage_change(*stub_, names_[0], v1::STAGE_INTENTION, milliseconds(1000));
    }));
  }
  std::map<std::string, int> codes;
  milliseconds slowest{0};
  for (auto& call : calls) {
    const auto result = call.get();
    ++codes[code_name(result.status.error_code())];
    slowest = std::max(slowest, result.took);
    EXPECT_EQ(code_name(result.status.error_code()), "DEADLINE_EXCEEDED")
        << result.status.error_message();
  }
  EXPECT_LT(slowest, milliseconds(1500)) << "a call outlived its deadline";
  // While the stuck statements hold the pool, a read of another customer must
  // still end by its deadline (it may fail: the pool is busy).
  const auto other = timed_get(*stub_, names_[1], milliseconds(1000));
  EXPECT_LT(other.took, milliseconds(1500));
  const auto in_use_while_locked = pool_in_use();

  locker->rollback();
  const auto released = Clock::now();
  // Recovered: the same write now succeeds, promptly, and the pool drains.
  TimedStatus after;
  while (Clock::now() - released < seconds(10)) {
    after = timed_stage_change(*stub_, names_[1], v1::STAGE_INTENTION, milliseconds(2000));
    if (after.status.ok()) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  const auto recovered_in = std::chrono::duration_cast<milliseconds>(Clock::now() - released);
  EXPECT_TRUE(after.status.ok()) << code_name(after.status.error_code()) << " "
                                 << after.status.error_message();
  EXPECT_LT(recovered_in, milliseconds(2000)) << "the pool did not recover promptly";
  const auto first_reader = timed_get(*stub_, names_[0], milliseconds(2000));
  EXPECT_TRUE(first_reader.status.ok()) << first_reader.status.error_message();
  auto drained_at = Clock::now();
  while (pool_in_use() > 0 && Clock::now() - drained_at < seconds(10)) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(pool_in_use(), 0) << "connections still leased after the lock was released";
  // Calls whose client gave up are not applied twice: at most one stage event to INTENTION
  // for the locked customer (the server may have finished one after the deadline).
  EXPECT_LE(sys::count(db_,
                       "SELECT COUNT(*) FROM stage_events WHERE to_stage = 2 AND "
                       "customer_id = " +
                           locked_id),
            1);
  std::string text;
  for (const auto& [code, n] : codes) text += fmt::format("{}={} ", code, n);
  std::cout << fmt::format(
                   "[ figures  ] row lock, 12 callers, 1 s deadline, pool 4: {}slowest "
                   "{} ms; other customer's read while locked: {} in {} ms; pool in use "
                   "while locked {}; recovered {} ms after release\n",
                   text, slowest.count(), code_name(other.status.error_code()), other.took.count(),
                   in_use_while_locked, recovered_in.count())
            << std::flush;
}

// Regression test for finding F5 (docs/RELIABILITY.md): a call whose client
// gave up at its deadline keeps its pooled connection until the statement's
// lock wait ends (--db-lock-wait-timeout, 5 s), so a few abandoned writes on
// one locked row starve unrelated reads of the pool. Enable with the fix
// (bound each statement by the call's remaining deadline, e.g. MariaDB's
// SET STATEMENT max_statement_time / a per-transaction innodb_lock_wait_timeout).
TEST_F(SlowDatabaseTest, AbandonedCallsDoNotStarveUnrelatedReads) {
  start({"--db-pool-size=4"});
  ASSERT_FALSE(HasFailure());
  auto locker = sys::session(db_);
  locker->begin();
  const auto locked_id = names_[0].substr(names_[0].find('/') + 1);
  *locker << "SELECT id FROM customers WHERE id = " + locked_id + " FOR UPDATE";
  std::vector<std::future<TimedStatus>> calls;
  for (int i = 0; i < 4; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      return timed_stage_change(*stub_, names_[0], v1::STAGE_INTENTION, milliseconds(500));
    }));
  }
  for (auto& call : calls) call.get();
  const auto other = timed_get(*stub_, names_[1], milliseconds(1000));
  EXPECT_TRUE(other.status.ok()) << code_name(other.status.error_code()) << " after "
                                 << other.took.count() << " ms";
  locker->rollback();
}

TEST_F(SlowDatabaseTest, TheServicesLockWaitBoundAnswersAbortedBeforeALongDeadline) {
  start({"--db-lock-wait-timeout=1s"});
  ASSERT_FALSE(HasFailure());
  auto locker = sys::session(db_);
  locker->begin();
  const auto locked_id = names_[0].substr(names_[0].find('/') + 1);
  *locker << "SELECT id FROM customers WHERE id = " + locked_id + " FOR UPDATE";
  const auto result = timed_stage_change(*stub_, names_[0], v1::STAGE_INTENTION, seconds(10));
  EXPECT_EQ(code_name(result.status.error_code()), "ABORTED") << result.status.error_message();
  EXPECT_EQ(testing::error_info(result.status).value_or(google::rpc::ErrorInfo()).reason(),
            "CONCURRENT_UPDATE");
  EXPECT_GE(result.took, milliseconds(900));
  EXPECT_LT(result.took, milliseconds(3000)) << "the lock-wait bound was not applied";
  locker->rollback();
  const auto retried = timed_stage_change(*stub_, names_[0], v1::STAGE_INTENTION, seconds(5));
  EXPECT_TRUE(retried.status.ok()) << retried.status.error_message();
  std::cout << fmt::format("[ figures  ] --db-lock-wait-timeout=1s: {} after {} ms\n",
                           code_name(result.status.error_code()), result.took.count())
            << std::flush;
}

TEST_F(SlowDatabaseTest, ATableLockEndsReadsAtTheirDeadline) {
  start({});
  ASSERT_FALSE(HasFailure());
  auto locker = sys::session(db_);
  *locker << "LOCK TABLES customers WRITE";
  const auto blocked = timed_get(*stub_, names_[0], milliseconds(800));
  EXPECT_EQ(code_name(blocked.status.error_code()), "DEADLINE_EXCEEDED")
      << blocked.status.error_message();
  EXPECT_LT(blocked.took, milliseconds(1300));
  *locker << "UNLOCK TABLES";
  const auto released = Clock::now();
  TimedStatus after;
  while (Clock::now() - released < seconds(10)) {
    after = timed_get(*stub_, names_[0], milliseconds(1000));
    if (after.status.ok()) break;
  }
  EXPECT_TRUE(after.status.ok()) << after.status.error_message();
  EXPECT_LT(Clock::now() - released, seconds(2));
}

}  // namespace
}  // namespace salesfollow
