// Each executable starts on a real MariaDB, reports SERVING, lists its
// services by reflection, counts calls in /metrics, and stops on SIGTERM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "child_process.h"
#include "customer_fixture.h"
#include "grpc_probe.h"
#include "mariadb_server.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/v1/system.grpc.pb.h"

namespace salesfollow {
namespace {

using ::testing::Contains;
using testing::fresh_database;
using ::testing::HasSubstr;
using testing::migrated_database;
using ::testing::Not;

struct Executable {
  std::string name;
  std::string path;
};

std::ostream& operator<<(std::ostream& out, const Executable& e) { return out << e.name; }

class ProcessTest : public ::testing::TestWithParam<Executable> {};

TEST_P(ProcessTest, ServesHealthReflectionSystemInfoAndMetrics) {
  const auto db = migrated_database("process");
  testing::ServiceProcess process(GetParam().path, db);
  const auto channel = testing::channel_to(process.grpc_address());
  ASSERT_TRUE(testing::wait_for_health(channel, "SERVING", std::chrono::seconds(5)))
      << process.log();
  EXPECT_EQ(testing::health_status(channel, "salesfollow.v1.SystemService"), "SERVING");
  EXPECT_EQ(testing::health_status(channel, "liveness"), "SERVING");

  const auto services = testing::reflection_services(channel);
  EXPECT_THAT(services, Contains("salesfollow.v1.SystemService"));
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));
  EXPECT_THAT(services, Contains("grpc.reflection.v1alpha.ServerReflection"));

  auto stub = v1::SystemService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "test-request-42");
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::SystemInfo info;
  const auto status = stub->GetSystemInfo(&context, v1::GetSystemInfoRequest(), &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(info.component(), GetParam().name);
  EXPECT_EQ(info.schema_version(), info.required_schema_version());
  EXPECT_GE(info.schema_version(), 1);
  EXPECT_FALSE(info.test_clock());
  const auto echoed = context.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(echoed, context.GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(echoed->second.data(), echoed->second.size()), "test-request-42");

  const std::string metrics = testing::http_get(process.metrics_port(), "/metrics");
  const std::vector<std::pair<std::string, std::string>> method = {
      {"grpc_service", "salesfollow.v1.SystemService"},
      {"grpc_method", "GetSystemInfo"},
      {"grpc_type", "unary"}};
  auto with_code = method;
  with_code.emplace_back("grpc_code", "OK");
  EXPECT_EQ(testing::metric_value(metrics, "grpc_server_handled_total", with_code), 1.0);
  EXPECT_EQ(testing::metric_value(metrics, "grpc_server_started_total", method), 1.0);
  EXPECT_EQ(testing::metric_value(metrics, "grpc_server_handling_seconds_count", method), 1.0);
  // Series exist up front for every code, so dashboards show zeros.
  auto unavailable = method;
  unavailable.emplace_back("grpc_code", "Unavailable");
  EXPECT_EQ(testing::metric_value(metrics, "grpc_server_handled_total", unavailable), 0.0);
  EXPECT_EQ(testing::metric_value(metrics, "salesfollow_test_clock_enabled", {}), 0.0);
  EXPECT_EQ(
      testing::metric_value(metrics, "salesfollow_build_info", {{"component", GetParam().name}}),
      1.0);
  EXPECT_TRUE(
      testing::metric_value(metrics, "salesfollow_db_pool_connections", {{"state", "idle"}}));

  process.signal(SIGTERM);
  EXPECT_EQ(process.wait_for_exit(std::chrono::seconds(10)), 0);
  const std::string log = process.log();
  EXPECT_THAT(log, HasSubstr(R"("event":"rpc")"));
  EXPECT_THAT(log, HasSubstr(R"("request_id":"test-request-42")"));
  EXPECT_THAT(log, HasSubstr(R"("method":"/salesfollow.v1.SystemService/GetSystemInfo")"));
  EXPECT_THAT(log, HasSubstr(R"("event":"stopped")"));
  EXPECT_THAT(log, Not(HasSubstr(db.password)));
}

TEST_P(ProcessTest, RefusesToStartOnASchemaOlderThanItNeeds) {
  const auto db = fresh_database("old_schema");
  std::string output;
  EXPECT_EQ(testing::run_service_to_exit(GetParam().path, db, {}, output), 3);
  EXPECT_THAT(output, HasSubstr("database schema is at version 0 but " + GetParam().name +
                                " needs at least version"));
}

TEST_P(ProcessTest, MigratesOnStartWhenAsked) {
  const auto db = fresh_database("migrate_on_start");
  testing::ServiceProcess process(GetParam().path, db, {"--migrate-on-start"});
  EXPECT_TRUE(testing::wait_for_health(testing::channel_to(process.grpc_address()), "SERVING",
                                       std::chrono::seconds(5)));
}

TEST_P(ProcessTest, RejectsBadConfigurationNamingEveryProblem) {
  const auto db = fresh_database("bad_config");
  std::string output;
  EXPECT_EQ(testing::run_service_to_exit(
                GetParam().path, db, {"--db-pool-size=0", "--log-level=loud", "--bogus"}, output),
            2);
  EXPECT_THAT(output, HasSubstr("unknown option --bogus"));
  // Parsing stops at unknown options; the value checks are reported on their own.
  EXPECT_EQ(testing::run_service_to_exit(GetParam().path, db,
                                         {"--db-pool-size=0", "--log-level=loud"}, output),
            2);
  EXPECT_THAT(output, HasSubstr("--db-pool-size (SALESFOLLOW_DB_POOL_SIZE) must be between 1"));
  EXPECT_THAT(output, HasSubstr("--log-level must be debug, info, warn or error"));
}

TEST_P(ProcessTest, ExitsWhenTheDatabaseIsUnreachableAtStart) {
  auto db = fresh_database("unreachable");
  db.port = testing::free_local_port();  // nothing listens there
  std::string output;
  EXPECT_EQ(testing::run_service_to_exit(GetParam().path, db, {"--startup-timeout=1s"}, output), 3);
  EXPECT_THAT(output, HasSubstr("unreachable"));
}

TEST_P(ProcessTest, HelpDocumentsOptionsWithoutSecrets) {
  const auto db = fresh_database("help");
  std::string output;
  EXPECT_EQ(testing::run_service_to_exit(GetParam().path, db, {"--help"}, output), 0);
  EXPECT_THAT(output, HasSubstr("SALESFOLLOW_DB_PASSWORD_FILE"));
  EXPECT_THAT(output, HasSubstr("--drain-timeout"));
  EXPECT_THAT(output, Not(HasSubstr(db.password)));
}

// Secrets (database password, token secret, contact keys) come from the
// environment or files and never show in logs, metrics, --help or errors.
TEST_P(ProcessTest, SecretsNeverAppearInLogsMetricsHelpOrErrors) {
  const auto db = migrated_database("secrets");
  const auto environment = testing::test_secrets_environment(db);
  const std::string contact_keys = environment.at("SALESFOLLOW_CONTACT_KEYS");  // "id=base64"
  std::vector<std::string> secrets = {environment.at("SALESFOLLOW_TOKEN_SECRET"),
                                      contact_keys.substr(contact_keys.find('=') + 1),
                                      environment.at("SALESFOLLOW_BLIND_INDEX_KEY")};
  if (!db.password.empty()) secrets.push_back(db.password);
  const auto expect_no_secret = [&](const std::string& text, const std::string& where) {
    for (const auto& secret : secrets) {
      ASSERT_FALSE(secret.empty());
      EXPECT_THAT(text, Not(HasSubstr(secret))) << where;
    }
  };
  {
    testing::ServiceProcess process(GetParam().path, db, {"--log-level=debug"});
    EXPECT_EQ(testing::health_status(testing::channel_to(process.grpc_address())), "SERVING");
    expect_no_secret(testing::http_get(process.metrics_port(), "/metrics"), "/metrics");
    process.signal(SIGTERM);
    process.wait_for_exit(std::chrono::seconds(30));
    expect_no_secret(process.log(), "log");
  }
  std::string output;
  EXPECT_EQ(testing::run_service_to_exit(GetParam().path, db, {"--help"}, output), 0);
  expect_no_secret(output, "--help");

  // A wrong password given as a flag: the error names the server, not the password.
  const std::string wrong_password = "Wrong-Passw0rd-that-must-not-leak";
  EXPECT_EQ(
      testing::run_service_to_exit(
          GetParam().path, db, {"--db-password=" + wrong_password, "--startup-timeout=1s"}, output),
      3);
  EXPECT_THAT(output, Not(HasSubstr(wrong_password)));
  // A token secret too short to be accepted: refused without being echoed.
  const std::string short_secret = "short-token-secret-xyz";
  EXPECT_EQ(
      testing::run_service_to_exit(GetParam().path, db, {"--token-secret=" + short_secret}, output),
      2);
  EXPECT_THAT(output, HasSubstr("--token-secret must hold at least 32 bytes"));
  EXPECT_THAT(output, Not(HasSubstr(short_secret)));
}

TEST_P(ProcessTest, RunsOnATestClockAndSaysSoLoudly) {
  const auto db = migrated_database("test_clock");
  const auto clock_file = std::filesystem::temp_directory_path() /
                          ("clock-" + GetParam().name + std::to_string(::getpid()));
  const TimePoint start = *parse_rfc3339("2024-03-03T15:30:00Z");
  write_clock_file(clock_file, start);
  testing::ServiceProcess process(GetParam().path, db,
                                  {"--test-clock-file=" + clock_file.string()});
  auto stub = v1::SystemService::NewStub(testing::channel_to(process.grpc_address()));
  const auto now_of_process = [&] {
    grpc::ClientContext context;
    v1::SystemInfo info;
    const auto status = stub->GetSystemInfo(&context, v1::GetSystemInfoRequest(), &info);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(info.test_clock());
    return from_timestamp(info.now());
  };
  EXPECT_EQ(now_of_process(), start);
  write_clock_file(clock_file, start + std::chrono::hours(1));
  EXPECT_EQ(now_of_process(), start + std::chrono::hours(1));
  const std::string metrics = testing::http_get(process.metrics_port(), "/metrics");
  EXPECT_EQ(testing::metric_value(metrics, "salesfollow_test_clock_enabled", {}), 1.0);
  EXPECT_THAT(process.log(), HasSubstr("TEST_CLOCK_ENABLED"));
  std::filesystem::remove(clock_file);
}

INSTANTIATE_TEST_SUITE_P(AllExecutables, ProcessTest,
                         ::testing::Values(Executable{"customer-service", CUSTOMER_SERVICE_BIN},
                                           Executable{"followup-service", FOLLOWUP_SERVICE_BIN},
                                           Executable{"report-worker", REPORT_WORKER_BIN}),
                         [](const ::testing::TestParamInfo<Executable>& param_info) {
                           std::string name = param_info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace salesfollow
