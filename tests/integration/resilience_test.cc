// A service survives a database restart without being restarted itself, and
// drains in-flight calls on SIGTERM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <soci/mysql/soci-mysql.h>

#include <future>
#include <thread>

#include "child_process.h"
#include "grpc_probe.h"
#include "mariadb_server.h"
#include "salesfollow/v1/system.grpc.pb.h"

namespace salesfollow {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

void migrate(const DbConfig& db) {
  std::string output;
  ASSERT_EQ(testing::run_service_to_exit(MIGRATE_BIN, db, {}, output), 0) << output;
}

grpc::Status get_system_info(v1::SystemService::Stub& stub, milliseconds deadline) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  v1::SystemInfo info;
  return stub.GetSystemInfo(&context, v1::GetSystemInfoRequest(), &info);
}

TEST(DatabaseRestartTest, ServiceAnswersUnavailableThenRecoversWithoutRestart) {
  testing::MariaDbServer server;  // this test's own server: it gets stopped
  const auto db = server.create_database("restart");
  migrate(db);
  testing::ServiceProcess process(CUSTOMER_SERVICE_BIN, db);
  const auto channel = testing::channel_to(process.grpc_address());
  auto stub = v1::SystemService::NewStub(channel);
  ASSERT_TRUE(testing::wait_for_health(channel, "SERVING", seconds(5)));
  ASSERT_TRUE(get_system_info(*stub, seconds(5)).ok());

  server.stop();

  const auto called = Clock::now();
  const auto down = get_system_info(*stub, seconds(5));
  const auto took = Clock::now() - called;
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  EXPECT_LT(took, seconds(5)) << "the call hung instead of failing fast";
  EXPECT_TRUE(testing::wait_for_health(channel, "NOT_SERVING", seconds(3)));
  // The Kubernetes liveness probe's service ignores the database.
  EXPECT_EQ(testing::health_status(channel, "liveness"), "SERVING");
  EXPECT_FALSE(process.wait_for_exit(milliseconds(0))) << "the service died:\n" << process.log();

  server.start();
  const auto restarted = Clock::now();
  bool served = false;
  while (Clock::now() - restarted < seconds(5)) {
    if (get_system_info(*stub, seconds(1)).ok()) {
      served = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(served) << "not serving again within 5 s of the database restart:\n" << process.log();
  EXPECT_TRUE(testing::wait_for_health(
      channel, "SERVING",
      std::chrono::duration_cast<milliseconds>(seconds(5) - (Clock::now() - restarted))));
  // Every later call succeeds: no stale pooled connection is handed out.
  for (int i = 0; i < 20; ++i) {
    const auto status = get_system_info(*stub, seconds(2));
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
}

TEST(GracefulShutdownTest, SigtermLetsTheInFlightCallFinishAndExitsZero) {
  const auto db = testing::fresh_database("drain");
  migrate(db);
  testing::ServiceProcess process(CUSTOMER_SERVICE_BIN, db, {"--drain-timeout=15s"});
  const auto channel = testing::channel_to(process.grpc_address());
  auto stub = v1::SystemService::NewStub(channel);
  ASSERT_TRUE(testing::wait_for_health(channel, "SERVING", seconds(5)));

  // Make the next call slow: it reads schema_migrations, which we lock.
  soci::session locker(soci::mysql,
                       testing::shared_mariadb().root_config(db.database).connection_string());
  locker << "LOCK TABLES schema_migrations WRITE";
  auto slow_call =
      std::async(std::launch::async, [&] { return get_system_info(*stub, seconds(20)); });

  // Wait until the server has the call in hand.
  const auto started = Clock::now();
  for (;;) {
    const auto metrics = testing::http_get(process.metrics_port(), "/metrics");
    if (testing::metric_value(metrics, "grpc_server_started_total",
                              {{"grpc_method", "GetSystemInfo"}}) == 1.0) {
      break;
    }
    ASSERT_LT(Clock::now() - started, seconds(5)) << "the call never reached the server";
    std::this_thread::sleep_for(milliseconds(20));
  }

  process.signal(SIGTERM);
  std::this_thread::sleep_for(milliseconds(700));
  EXPECT_FALSE(process.wait_for_exit(milliseconds(0))) << "exited before the call finished";
  EXPECT_EQ(slow_call.wait_for(milliseconds(0)), std::future_status::timeout);

  locker << "UNLOCK TABLES";
  const auto status = slow_call.get();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(process.wait_for_exit(seconds(15)), 0) << process.log();
  EXPECT_THAT(process.log(), ::testing::HasSubstr("shutdown_requested"));
}

TEST(GracefulShutdownTest, IdleProcessStopsPromptlyOnSigint) {
  const auto db = testing::fresh_database("sigint");
  migrate(db);
  testing::ServiceProcess process(REPORT_WORKER_BIN, db);
  const auto asked = Clock::now();
  process.signal(SIGINT);
  EXPECT_EQ(process.wait_for_exit(seconds(10)), 0);
  EXPECT_LT(Clock::now() - asked, seconds(5));
}

}  // namespace
}  // namespace salesfollow
