// salesctl end to end: the real binary, run as a child process against real
// services on a real MariaDB loaded with the sample data (salesfollow-seed,
// five weeks of history on a test clock). Each command group is checked for
// its exit code, its table and its -o json output, and its error messages;
// a CSV with a BOM, quoted fields and bad rows is imported, exported and
// re-imported; the weekly review page is rendered by headless Chromium,
// screenshotted and read back, and its numbers are compared with the
// ReportService's own answer.
#include <date/date.h>
#include <date/tz.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <soci/mysql/soci-mysql.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "child_process.h"
#include "csv.h"
#include "grpc_probe.h"
#include "mariadb_server.h"
#include "png_image.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/v1/customer.grpc.pb.h"
#include "salesfollow/v1/followup.grpc.pb.h"
#include "salesfollow/v1/report.grpc.pb.h"
#include "test_clock.h"
#include "weekly_page.h"

extern char** environ;  // NOLINT: POSIX

namespace salesfollow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out, err;
};

std::ostream& operator<<(std::ostream& os, const Result& r) {
  return os << "exit " << r.code << "\n--- stdout\n" << r.out << "--- stderr\n" << r.err;
}

// Runs a program with stdout and stderr in separate files; `env` replaces
// the named variables and every SALESCTL_* variable of the test's own
// environment is dropped, so that only what the test sets counts.
Result run_program(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env,
                   std::chrono::seconds timeout = std::chrono::seconds(60)) {
  static int counter = 0;
  const fs::path base =
      fs::temp_directory_path() / fmt::format("salesctl-run-{}-{}", ::getpid(), ++counter);
  const std::string out_path = base.string() + ".out", err_path = base.string() + ".err";
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    if (name.rfind("SALESCTL_", 0) == 0 || env.count(name) > 0) continue;
    environment.push_back(text);
  }
  for (const auto& [name, value] : env) environment.push_back(name + "=" + value);
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT
  argv.push_back(nullptr);
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));  // NOLINT
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  Result result;
  if (spawned != 0) {
    result.err = "cannot start " + args[0] + ": " + std::strerror(spawned);
    return result;
  }
  const auto status = testing::wait_for_exit(pid, timeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    testing::wait_for_exit(pid, std::chrono::seconds(5));
  }
  result.code = status.value_or(-1);
  result.out = testing::read_file(out_path);
  result.err = testing::read_file(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return result;
}

std::string token(const std::string& user, Role role, const std::string& team) {
  return sign_token({user, user, role, team, *parse_rfc3339("2100-01-01T00:00:00Z")},
                    testing::kTestTokenSecret);
}

// Chromium from Debian; the test fails (not skips) without it: CI installs
// it through scripts/install-deps.sh.
std::string chromium_binary() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (fs::exists(candidate)) return candidate;
  return "";
}

class SalesctlTest : public ::testing::Test {
 protected:
  struct System {
    DbConfig db;
    std::unique_ptr<testing::TestClock> clock;
    std::unique_ptr<testing::ServiceProcess> customers, followups, reports;
    fs::path dir;
    bool ready = false;  // set when everything started
  };

  static void SetUpTestSuite() {
    system_ = std::make_unique<System>();
    auto& s = *system_;
    s.dir = fs::temp_directory_path() / fmt::format("salesctl-test-{}", ::getpid());
    fs::create_directories(s.dir);
    s.db = testing::fresh_database("salesctl");
    std::string output;
    ASSERT_EQ(testing::run_service_to_exit(MIGRATE_BIN, s.db, {}, output), 0) << output;
    s.clock = std::make_unique<testing::TestClock>(SystemClock().now());
    s.customers = std::make_unique<testing::ServiceProcess>(
        CUSTOMER_SERVICE_BIN, s.db, std::vector<std::string>{s.clock->argument()});
    s.followups = std::make_unique<testing::ServiceProcess>(
        FOLLOWUP_SERVICE_BIN, s.db,
        std::vector<std::string>{s.clock->argument(),
                                 "--customer-service-address=" + s.customers->grpc_address(),
                                 "--reminder-scan-interval=200ms"});
    // The sample data, as scripts/start-all.sh loads it (5 weeks instead of 12).
    const auto seed_log = s.dir / "seed.log";
    const int pid =
        testing::spawn({SEED_BIN, "--customer-service=" + s.customers->grpc_address(),
                        "--followup-service=" + s.followups->grpc_address(),
                        "--clock-file=" + s.clock->path().string(), "--history-weeks=5"},
                       testing::test_secrets_environment(s.db), seed_log);
    ASSERT_EQ(testing::wait_for_exit(pid, std::chrono::seconds(300)), 0)
        << testing::read_file(seed_log);
    // The seed leaves the clock file at the real time it started from.
    std::string now_text = testing::read_file(s.clock->path());
    while (!now_text.empty() && std::isspace(static_cast<unsigned char>(now_text.back())))
      now_text.pop_back();
    const auto now = parse_rfc3339(now_text);
    ASSERT_TRUE(now) << now_text;
    s.clock->set(*now);
    s.reports = std::make_unique<testing::ServiceProcess>(
        REPORT_WORKER_BIN, s.db,
        std::vector<std::string>{s.clock->argument(), "--run-interval=1h"});
    s.ready = true;
  }

  static void TearDownTestSuite() {
    if (system_ != nullptr) fs::remove_all(system_->dir);
    system_.reset();
  }

  void SetUp() override { ASSERT_TRUE(system_ != nullptr && system_->ready); }

  static std::string rep() { return token("xiaowang", Role::rep, "team1"); }
  static std::string other_rep() { return token("xiaozhang", Role::rep, "team2"); }
  static std::string manager() { return token("manager1", Role::manager, "team1"); }
  static std::string admin() { return token("admin", Role::admin, ""); }

  // salesctl with the services' addresses in the environment and `who`'s token.
  static Result salesctl(std::vector<std::string> args, const std::string& who = rep(),
                         std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), SALESCTL_BIN);
    env.emplace("SALESCTL_CUSTOMER_SERVICE", system_->customers->grpc_address());
    env.emplace("SALESCTL_FOLLOWUP_SERVICE", system_->followups->grpc_address());
    env.emplace("SALESCTL_REPORT_SERVICE", system_->reports->grpc_address());
    if (!who.empty()) env.emplace("SALESCTL_TOKEN", who);
    env.emplace("HOME", system_->dir.string());  // no user config file
    return run_program(args, env, std::chrono::seconds(120));
  }

  static json json_of(const Result& r) {
    try {
      return json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r;
      return json::object();
    }
  }

  // A new customer of the rep, through salesctl; returns its name.
  static std::string add_customer(const std::string& display_name, const std::string& phone) {
    const auto r = salesctl({"customer", "add", "--display-name", display_name, "--industry",
                             "internet", "--source", "website", "--contact-name", "王五", "--title",
                             "CTO", "--phone", phone, "--need-tags", "crm_system", "-o", "json"});
    EXPECT_EQ(r.code, 0) << r;
    return json_of(r).value("name", "");
  }

  static fs::path file(const std::string& name) { return system_->dir / name; }
  static std::string write_file(const std::string& name, const std::string& text) {
    std::ofstream(file(name), std::ios::binary) << text;
    return file(name).string();
  }

  template <typename Stub>
  static std::unique_ptr<Stub> stub(const std::string& address) {
    return std::make_unique<Stub>(testing::channel_to(address));
  }

  // One system for the whole suite: starting it and loading the sample data
  // is the slow part.
  static std::unique_ptr<System> system_;
};

std::unique_ptr<SalesctlTest::System> SalesctlTest::system_;

// ------------------------------------------------------------ the sample data

// What the generator wrote through the API (before any test changed it):
// the brief's list for realistic sample data.
TEST_F(SalesctlTest, SampleDataCoversWhatTheBriefAsksFor) {
  soci::session sql(
      soci::mysql, testing::shared_mariadb().root_config(system_->db.database).connection_string());
  const auto number = [&](const std::string& query) {
    long long value = 0;
    sql << query, soci::into(value);
    return value;
  };
  // The two template customers, masked on reads, with their follow-ups.
  EXPECT_EQ(
      number("SELECT COUNT(*) FROM customers WHERE display_name IN ('科技有限公司', '张*女士')"),
      2);
  EXPECT_EQ(number("SELECT COUNT(*) FROM follow_ups f JOIN customers c ON c.id = f.customer_id "
                   "WHERE c.display_name IN ('科技有限公司', '张*女士')"),
            2);
  // Reps of two teams own customers; the managers logged and transferred.
  EXPECT_EQ(number("SELECT COUNT(DISTINCT team_id) FROM customers"), 2);
  EXPECT_GE(number("SELECT COUNT(DISTINCT owner_id) FROM customers"), 4);
  EXPECT_GE(number("SELECT COUNT(DISTINCT to_team) FROM owner_events WHERE from_owner IS NOT NULL"),
            2);
  // Follow-ups through every channel, some late, some corrected.
  EXPECT_EQ(number("SELECT COUNT(DISTINCT channel) FROM follow_ups"), 5);
  EXPECT_GT(number("SELECT COUNT(*) FROM follow_ups WHERE late = 1"), 0);
  EXPECT_GT(number("SELECT COUNT(*) FROM follow_up_amendments"), 0);
  // Stage moves with reasons, losses with coded reasons, customers entered late.
  EXPECT_EQ(number("SELECT COUNT(*) FROM stage_events WHERE reason = ''"), 0);
  EXPECT_GT(
      number("SELECT COUNT(*) FROM stage_events WHERE to_stage = 5 AND loss_reason IS NOT NULL"),
      0);
  EXPECT_EQ(number("SELECT COUNT(*) FROM stage_events WHERE to_stage = 5 AND loss_reason IS NULL"),
            0);
  EXPECT_GT(number("SELECT COUNT(*) FROM customers WHERE first_contact_date < DATE(created_at)"),
            0);
  EXPECT_GE(number("SELECT COUNT(*) FROM talk_tracks"), 3);
  const auto wins = number("SELECT COUNT(*) FROM stage_events WHERE to_stage = 4");
  EXPECT_GT(wins, 0);
  std::cout << "sample data: " << number("SELECT COUNT(*) FROM customers") << " customers, "
            << number("SELECT COUNT(*) FROM follow_ups") << " follow-ups, " << wins << " wins\n";
}

// ------------------------------------------------------------ general

TEST_F(SalesctlTest, HelpListsEveryCommandAndBadUsageExitsWithTwo) {
  const auto help = salesctl({"--help"});
  EXPECT_EQ(help.code, 0) << help;
  for (const char* command :
       {"customer add", "customer reveal", "followup download", "due", "stalled", "hot",
        "cadence set", "dict retire", "talktrack search", "import customers", "export customers",
        "report weekly", "report monthly", "report runs", "watch"})
    EXPECT_THAT(help.out, HasSubstr(command));
  const auto one = salesctl({"customer", "stage", "--help"});
  EXPECT_EQ(one.code, 0);
  EXPECT_THAT(one.out, HasSubstr("--loss-reason CODE"));
  const auto bad = salesctl({"customer", "list", "--colour", "blue"});
  EXPECT_EQ(bad.code, 2) << bad;
  EXPECT_THAT(bad.err, HasSubstr("unknown flag --colour"));
  const auto stage = salesctl({"customer", "stage", "1", "somewhere", "--reason", "x"});
  EXPECT_EQ(stage.code, 2) << stage;
}

TEST_F(SalesctlTest, ErrorsAreTheServicesMessageWithAnExitCodeScriptsCanUse) {
  // Admin is told a customer does not exist; a rep is not told whether it
  // exists at all.
  const auto missing = salesctl({"customer", "show", "customers/987654"}, admin());
  EXPECT_EQ(missing.code, 4) << missing;
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(missing.out, "");
  const auto hidden = salesctl({"customer", "show", "customers/987654"});
  EXPECT_EQ(hidden.code, 5) << hidden;
  EXPECT_THAT(hidden.err, HasSubstr("PERMISSION_DENIED"));
  const auto no_token = salesctl({"customer", "list"}, "");
  EXPECT_EQ(no_token.code, 5) << no_token;
  EXPECT_THAT(no_token.err, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(no_token.err, HasSubstr("SALESCTL_TOKEN"));
  const auto forged = salesctl({"customer", "list"}, "not-a-token");
  EXPECT_EQ(forged.code, 5) << forged;
  const auto invalid = salesctl({"customer", "add", "--display-name", "无效行业公司", "--industry",
                                 "no_such_industry", "--source", "website", "--contact-name",
                                 "王五", "--phone", "13800009999", "--need-tags", "crm_system"});
  EXPECT_EQ(invalid.code, 6) << invalid;
  EXPECT_THAT(invalid.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(invalid.err, HasSubstr("industry"));
  // One line, no internals.
  EXPECT_EQ(std::count(invalid.err.begin(), invalid.err.end(), '\n'), 1) << invalid;
  const auto down =
      salesctl({"customer", "list", "--customer-service", "127.0.0.1:1", "--timeout", "3"});
  EXPECT_EQ(down.code, 3) << down;
  EXPECT_THAT(down.err, HasSubstr("UNAVAILABLE"));
}

TEST_F(SalesctlTest, ConfigFileAndTokenFileWork) {
  const auto token_file = write_file("token-manager", manager() + "\n");
  const auto config = write_file(
      "salesctl.conf",
      fmt::format("# test config\ncustomer-service = {}\ntoken-file = {}\noutput = json\n",
                  system_->customers->grpc_address(), token_file));
  const auto r = run_program({SALESCTL_BIN, "--config", config, "dict", "list", "industry"},
                             {{"HOME", system_->dir.string()}});
  EXPECT_EQ(r.code, 0) << r;
  const auto entries = json_of(r)["entries"];
  EXPECT_GE(entries.size(), 6U);
  EXPECT_TRUE(std::any_of(entries.begin(), entries.end(), [](const json& e) {
    return e["code"] == "internet";
  })) << r;
  const auto bad =
      run_program({SALESCTL_BIN, "--config", write_file("bad.conf", "colour = blue\n"), "due"},
                  {{"HOME", system_->dir.string()}});
  EXPECT_EQ(bad.code, 2) << bad;
  EXPECT_THAT(bad.err, HasSubstr("bad.conf:1: unknown key 'colour'"));
}

TEST_F(SalesctlTest, TlsToAnInsecureServerFailsAsUnavailable) {
  // The services serve plaintext: a TLS client cannot talk to them, and says so.
  const auto r = salesctl({"customer", "list", "--tls", "--timeout", "3"});
  EXPECT_EQ(r.code, 3) << r;
  const auto missing_ca = salesctl({"customer", "list", "--tls", "--ca-file", "/nonexistent.pem"});
  EXPECT_EQ(missing_ca.code, 2) << missing_ca;
}

// ------------------------------------------------------------ customers

TEST_F(SalesctlTest, CustomerLifecycle) {
  const auto name = add_customer("命令行测试科技有限公司", "13800007001");
  ASSERT_THAT(name, HasSubstr("customers/"));
  const auto id = name.substr(std::string("customers/").size());

  const auto shown = salesctl({"customer", "show", id});
  EXPECT_EQ(shown.code, 0) << shown;
  EXPECT_THAT(shown.out, HasSubstr("命令行测试科技有限公司"));
  EXPECT_THAT(shown.out, HasSubstr("138****7001"));  // masked
  EXPECT_THAT(shown.out, HasSubstr("潜在客户"));

  const auto listed = salesctl({"customer", "list", "--search", "命令行测试"});
  EXPECT_EQ(listed.code, 0) << listed;
  EXPECT_THAT(listed.out, HasSubstr("CUSTOMER"));
  EXPECT_THAT(listed.out, HasSubstr(name));
  const auto listed_json =
      json_of(salesctl({"customer", "list", "--search", "命令行测试", "-o", "json"}));
  ASSERT_EQ(listed_json["customers"].size(), 1U);
  EXPECT_EQ(listed_json["customers"][0]["display_name"], "命令行测试科技有限公司");

  const auto updated =
      salesctl({"customer", "update", id, "--notes", "比较过竞品，预算30万以内", "-o", "json"});
  EXPECT_EQ(updated.code, 0) << updated;
  EXPECT_EQ(json_of(updated)["notes"], "比较过竞品，预算30万以内");
  const auto stale = salesctl({"customer", "update", id, "--notes", "x", "--etag", "stale-etag"});
  EXPECT_EQ(stale.code, 7) << stale;

  const auto staged =
      salesctl({"customer", "stage", id, "intention", "--reason", "确认需求，索要报价"});
  EXPECT_EQ(staged.code, 0) << staged;
  EXPECT_THAT(staged.out, HasSubstr("潜在客户 → 意向客户"));
  const auto no_loss_reason = salesctl({"customer", "stage", id, "lost", "--reason", "选择了竞品"});
  EXPECT_EQ(no_loss_reason.code, 6) << no_loss_reason;
  const auto history = json_of(salesctl({"customer", "history", id, "-o", "json"}));
  ASSERT_EQ(history["stage_events"].size(), 2U);
  EXPECT_EQ(history["stage_events"][1]["to_stage"], "STAGE_INTENTION");
  const auto history_table = salesctl({"customer", "history", id});
  EXPECT_THAT(history_table.out, HasSubstr("（建档）"));
  EXPECT_THAT(history_table.out, HasSubstr("确认需求，索要报价"));

  const auto revealed = salesctl({"customer", "reveal", id, "--purpose", "回电确认报价"});
  EXPECT_EQ(revealed.code, 0) << revealed;
  EXPECT_THAT(revealed.out, HasSubstr("13800007001"));

  // A rep may not transfer; a manager of the team may.
  const auto rep_transfer =
      salesctl({"customer", "transfer", id, "--to", "xiaoli", "--reason", "调整"});
  EXPECT_EQ(rep_transfer.code, 5) << rep_transfer;
  EXPECT_THAT(rep_transfer.err, HasSubstr("PERMISSION_DENIED"));
  const auto transferred =
      salesctl({"customer", "transfer", id, "--to", "xiaoli", "--reason", "调整"}, manager());
  EXPECT_EQ(transferred.code, 0) << transferred;
  EXPECT_THAT(transferred.out, HasSubstr("xiaoli"));
  // A rep of the other team cannot see it at all.
  EXPECT_NE(salesctl({"customer", "show", id}, other_rep()).code, 0);

  const auto deleted = salesctl({"customer", "delete", id}, manager());
  EXPECT_EQ(deleted.code, 0) << deleted;
  EXPECT_THAT(deleted.out, HasSubstr("undelete"));
  const auto hidden =
      json_of(salesctl({"customer", "list", "--search", "命令行测试", "-o", "json"}, manager()));
  EXPECT_TRUE(hidden["customers"].empty());
  const auto restored = salesctl({"customer", "undelete", id, "-o", "json"}, manager());
  EXPECT_EQ(restored.code, 0) << restored;
  EXPECT_EQ(json_of(restored)["deleted"], false);
}

// ------------------------------------------------------------ follow-ups

TEST_F(SalesctlTest, FollowUpsLogAmendPlanAndAttachments) {
  const auto customer = add_customer("跟进测试科技有限公司", "13800007002");
  ASSERT_FALSE(customer.empty());
  const auto logged =
      salesctl({"followup", "log", customer, "--channel", "phone", "--scenario", "电话沟通需求细节",
                "--content", "介绍核心功能，客户关注数据实时性", "--feedback", "有兴趣，希望看案例",
                "--next-action", "3天内发送3个同行业案例", "--stage", "intention", "--reason",
                "客户确认需求", "-o", "json"});
  ASSERT_EQ(logged.code, 0) << logged;
  const auto follow_up = json_of(logged)["follow_up"]["name"].get<std::string>();
  EXPECT_EQ(json_of(logged)["follow_up"]["stage_after"], "STAGE_INTENTION");
  EXPECT_TRUE(json_of(logged).contains("plan"));

  const auto bad_channel =
      salesctl({"followup", "log", customer, "--channel", "pigeon", "--content", "x"});
  EXPECT_EQ(bad_channel.code, 2) << bad_channel;
  // followup-service does not tell a missing customer from someone else's.
  const auto missing = salesctl({"followup", "list", "customers/987654"});
  EXPECT_EQ(missing.code, 5) << missing;
  EXPECT_THAT(missing.err, HasSubstr("not accessible"));

  const auto listed = salesctl({"followup", "list", customer});
  EXPECT_EQ(listed.code, 0) << listed;
  EXPECT_THAT(listed.out, HasSubstr("电话"));
  EXPECT_THAT(listed.out, HasSubstr("介绍核心功能"));

  const auto amended = salesctl({"followup", "amend", follow_up, "--feedback",
                                 "有兴趣，希望看3个案例", "--reason", "补充细节"});
  EXPECT_EQ(amended.code, 0) << amended;
  const auto shown = salesctl({"followup", "show", follow_up});
  EXPECT_THAT(shown.out, HasSubstr("amendment 1"));
  EXPECT_THAT(shown.out, HasSubstr("有兴趣，希望看案例 → 有兴趣，希望看3个案例"));
  EXPECT_EQ(salesctl({"followup", "amend", follow_up, "--feedback", "x"}).code, 6);  // no reason

  const auto planned = salesctl({"followup", "plan", customer, "--at", "2030-03-05 10:00",
                                 "--action", "电话确认案例已收到", "-o", "json"});
  EXPECT_EQ(planned.code, 0) << planned;
  EXPECT_EQ(json_of(planned)["plan_time"], "2030-03-05T02:00:00Z");
  EXPECT_EQ(salesctl({"followup", "plan", customer, "--at", "someday"}).code, 2);

  const std::string content = "会议纪要：方案基本认可，需调整logo颜色\n" + std::string(300000, 'x');
  const auto minutes = write_file("minutes.txt", content);
  const auto attached = salesctl({"followup", "attach", follow_up, minutes, "-o", "json"});
  ASSERT_EQ(attached.code, 0) << attached;
  const auto attachment = json_of(attached)["name"].get<std::string>();
  const auto listed_attachments = salesctl({"followup", "attachments", follow_up});
  EXPECT_THAT(listed_attachments.out, HasSubstr("minutes.txt"));
  const auto target = file("downloaded.txt").string();
  const auto downloaded = salesctl({"followup", "download", attachment, "--file", target});
  EXPECT_EQ(downloaded.code, 0) << downloaded;
  EXPECT_EQ(testing::read_file(target), content);
}

// ------------------------------------------------------------ lists and cadence

TEST_F(SalesctlTest, DueStalledAndHotMatchTheService) {
  auto followups = stub<v1::FollowUpService::Stub>(system_->followups->grpc_address());
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + manager());
  v1::ListHighIntentCustomersRequest request;
  request.set_owner_id("*");
  request.set_page_size(500);
  v1::ListHighIntentCustomersResponse expected;
  ASSERT_TRUE(followups->ListHighIntentCustomers(&context, request, &expected).ok());

  const auto hot = salesctl({"hot", "--owner", "*", "--all", "-o", "json"}, manager());
  ASSERT_EQ(hot.code, 0) << hot;
  EXPECT_EQ(json_of(hot)["customers"].size(), static_cast<std::size_t>(expected.customers_size()));
  const auto hot_table = salesctl({"hot", "--owner", "*"}, manager());
  EXPECT_EQ(hot_table.code, 0) << hot_table;
  if (expected.customers_size() > 0) {
    EXPECT_THAT(hot_table.out, HasSubstr(expected.customers(0).customer_display_name()));
  }

  const auto due = salesctl({"due", "-o", "json"});
  EXPECT_EQ(due.code, 0) << due;
  EXPECT_TRUE(json_of(due).contains("overdue"));
  const auto due_table = salesctl({"due", "--owner", "*"}, manager());
  EXPECT_EQ(due_table.code, 0) << due_table;
  const auto stalled = salesctl({"stalled", "--owner", "*", "-o", "json"}, manager());
  EXPECT_EQ(stalled.code, 0) << stalled;
  EXPECT_TRUE(json_of(stalled).contains("customers"));
  // A rep may not look at another owner's list.
  const auto other = salesctl({"stalled", "--owner", "xiaoli"});
  EXPECT_EQ(other.code, 5) << other;
}

TEST_F(SalesctlTest, CadenceShowAndSet) {
  const auto shown = salesctl({"cadence", "show"});
  EXPECT_EQ(shown.code, 0) << shown;
  EXPECT_THAT(shown.out, HasSubstr("每7天"));  // potential: once a week (the brief)
  const auto rep_set = salesctl({"cadence", "set", "--potential", "5"});
  EXPECT_EQ(rep_set.code, 5) << rep_set;
  const auto set = salesctl({"cadence", "set", "--intention", "4", "-o", "json"}, manager());
  EXPECT_EQ(set.code, 0) << set;
  EXPECT_EQ(json_of(set)["intention_days"], 4);
  EXPECT_EQ(json_of(set)["potential_days"], 7);  // untouched
  const auto customer = add_customer("频率测试有限公司", "13800007003");
  const auto custom = salesctl({"cadence", "set", "--customer", customer, "--days", "3"});
  EXPECT_EQ(custom.code, 0) << custom;
  EXPECT_THAT(custom.out, HasSubstr("every 3 days"));
  EXPECT_EQ(salesctl({"cadence", "set"}, manager()).code, 2);
}

// ------------------------------------------------------------ dictionaries

TEST_F(SalesctlTest, DictionariesAndTalkTracks) {
  const auto industries = salesctl({"dict", "list", "industry"});
  EXPECT_EQ(industries.code, 0) << industries;
  EXPECT_THAT(industries.out, HasSubstr("internet"));
  EXPECT_THAT(industries.out, HasSubstr("制造业"));
  EXPECT_EQ(salesctl({"dict", "list", "colours"}).code, 2);
  const auto rep_add = salesctl({"dict", "add", "need_tag", "smart_office", "智能办公"});
  EXPECT_EQ(rep_add.code, 5) << rep_add;
  const auto added = salesctl({"dict", "add", "need_tag", "smart_office", "智能办公"}, manager());
  EXPECT_EQ(added.code, 0) << added;
  const auto again = salesctl({"dict", "add", "need_tag", "smart_office", "智能办公"}, manager());
  EXPECT_EQ(again.code, 7) << again;  // ALREADY_EXISTS
  const auto retired = salesctl({"dict", "retire", "need_tag", "smart_office"}, manager());
  EXPECT_EQ(retired.code, 0) << retired;
  const auto live = json_of(salesctl({"dict", "list", "need_tag", "-o", "json"}));
  for (const auto& e : live["entries"]) EXPECT_NE(e["code"], "smart_office");

  // The sample data brings a few talk tracks; a manager adds one.
  const auto seeded = salesctl({"talktrack", "search", "价格"});
  EXPECT_EQ(seeded.code, 0) << seeded;
  EXPECT_THAT(seeded.out, HasSubstr("竞品"));
  const auto track =
      salesctl({"talktrack", "add", "--question", "交付周期多长？", "--answer",
                "标准版两周上线，定制需求另行评估。", "--tags", "delivery,implementation"},
               manager());
  EXPECT_EQ(track.code, 0) << track;
  const auto found =
      json_of(salesctl({"talktrack", "search", "--tag", "implementation", "-o", "json"}));
  ASSERT_EQ(found["talk_tracks"].size(), 1U);
  EXPECT_EQ(found["talk_tracks"][0]["question"], "交付周期多长？");
}

// ------------------------------------------------------------ import / export

TEST_F(SalesctlTest, ImportReportsRejectedRowsExportWritesTheFormatBack) {
  // BOM, a quoted name with a comma, quoted notes with a line break and
  // doubled quotes, Chinese everywhere, and four bad rows: a missing
  // industry (the service refuses), too few fields and a stray quote (refused
  // here), and a duplicate of the brief's template customer.
  const std::string csv =
      "\xEF\xBB\xBF"
      "display_name,industry,source,contact_name,contact_title,phone,first_contact_date,need_tags,"
      "need_description,notes\r\n"
      "\"导入测试科技有限公司, "
      "上海分公司\",internet,website,王五,CTO,13800008001,2024-03-04,crm_system,\"CRM "
      "系统，\"\"尽快\"\"上线\",\"第一行\r\n第二行\"\r\n"
      "导入测试贸易有限公司,retail,referral,赵六,采购经理,13800008002,2024-03-05,erp_system;data_"
      "analysis_tool,ERP,\r\n"
      "缺行业的公司,,website,孙七,经理,13800008003,2024-03-05,crm_system,,\r\n"
      "字段太少的公司,internet\r\n"
      "\"坏引号\"公司,internet,website,周八,经理,13800008004,2024-03-05,crm_system,,\r\n"
      "科技有限公司,internet,trade_show,李四,采购经理,13912346789,2024-02-20,data_analysis_tool,,"
      "\r\n";
  const auto input = write_file("customers.csv", csv);
  const auto imported = salesctl({"import", "customers", input});
  EXPECT_EQ(imported.code, 8) << imported;  // some rows rejected
  EXPECT_THAT(imported.out, HasSubstr("6 rows read, 2 created, 1 duplicates, 3 invalid"));
  EXPECT_THAT(imported.err, HasSubstr("progress: 100%  6 rows"));  // plain lines: not a terminal
  const auto rejected_path = file("customers.rejected.csv");
  ASSERT_TRUE(fs::exists(rejected_path)) << imported;
  const auto rejected = salesctl::parse_csv(testing::read_file(rejected_path));
  ASSERT_EQ(rejected.size(), 5U);  // header + 4
  const auto& head = rejected[0].fields;
  ASSERT_GE(head.size(), 2U);
  EXPECT_EQ(head[head.size() - 2], "rejected_line");
  EXPECT_EQ(head[head.size() - 1], "rejected_reason");
  std::vector<std::string> lines, reasons;
  for (std::size_t i = 1; i < rejected.size(); ++i) {
    lines.push_back(rejected[i].fields[rejected[i].fields.size() - 2]);
    reasons.push_back(rejected[i].fields.back());
    EXPECT_EQ(rejected[i].fields.size(), head.size());
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"5", "6", "7", "8"}));
  EXPECT_THAT(reasons[0], HasSubstr("industry"));
  EXPECT_THAT(reasons[1], HasSubstr("2 fields, but the header has 10"));
  EXPECT_THAT(reasons[2], HasSubstr("closing quote"));
  EXPECT_THAT(reasons[3], HasSubstr("duplicate of customers/"));
  EXPECT_EQ(rejected[1].fields[0], "缺行业的公司");

  // What was created is exactly what the file said.
  const auto created = json_of(salesctl(
      {"customer", "list", "--search", "导入测试", "--order-by", "display_name", "-o", "json"}));
  ASSERT_EQ(created["customers"].size(), 2U);
  const auto first = std::find_if(
      created["customers"].begin(), created["customers"].end(),
      [](const json& c) { return c["display_name"] == "导入测试科技有限公司, 上海分公司"; });
  ASSERT_NE(first, created["customers"].end()) << created.dump();
  EXPECT_EQ((*first)["notes"], "第一行\r\n第二行");
  EXPECT_EQ((*first)["need_description"], "CRM 系统，\"尽快\"上线");

  // Export writes the same format; its rows read back as the customers.
  const auto exported_path = file("export.csv").string();
  const auto exported = salesctl(
      {"export", "customers", "--filter", "display_name : \"导入测试\"", "--file", exported_path});
  EXPECT_EQ(exported.code, 0) << exported;
  EXPECT_THAT(exported.err, HasSubstr("exported 2 customers"));
  const std::string exported_text = testing::read_file(exported_path);
  EXPECT_EQ(exported_text.substr(0, 3), "\xEF\xBB\xBF");
  const auto rows = salesctl::parse_csv(exported_text);
  ASSERT_EQ(rows.size(), 3U);
  std::set<std::string> names;
  for (std::size_t i = 1; i < rows.size(); ++i) names.insert(rows[i].fields[1]);
  EXPECT_EQ(names,
            (std::set<std::string>{"导入测试科技有限公司, 上海分公司", "导入测试贸易有限公司"}));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].fields[1] == "导入测试贸易有限公司") {
      // The service keeps tags in its own order.
      EXPECT_THAT(rows[i].fields[10], ::testing::AnyOf("erp_system;data_analysis_tool",
                                                       "data_analysis_tool;erp_system"));
      EXPECT_EQ(rows[i].fields[6], "138****8002");  // contacts leave masked
    }
  }
  // Re-importing the export creates nothing twice: every row is reported.
  const auto again = salesctl({"import", "customers", exported_path, "--rejected",
                               file("again.rejected.csv").string(), "-o", "json"});
  EXPECT_EQ(again.code, 8) << again;
  const auto summary = json_of(again);
  EXPECT_EQ(summary["rows_read"], 2);
  EXPECT_EQ(summary["created"], 0);
  EXPECT_EQ(summary["rejected"], 2);
  EXPECT_EQ(salesctl::parse_csv(testing::read_file(file("again.rejected.csv"))).size(), 3U);

  const auto no_file = salesctl({"import", "customers", file("missing.csv").string()});
  EXPECT_EQ(no_file.code, 2) << no_file;
  const auto no_header =
      salesctl({"import", "customers", write_file("noheader.csv", "a,b\n1,2\n")});
  EXPECT_EQ(no_header.code, 2) << no_header;
  EXPECT_THAT(no_header.err, HasSubstr("display_name"));
}

// ------------------------------------------------------------ reports

std::string last_monday(TimePoint now) {
  const auto local = date::make_zoned("Asia/Shanghai", now).get_local_time();
  const date::local_days today = date::floor<date::days>(local);
  const date::weekday weekday{today};
  const auto this_monday = today - (weekday - date::Monday);
  return date::format("%F", this_monday - date::days(7));
}

TEST_F(SalesctlTest, ReportsMatchTheReportService) {
  const auto run = salesctl({"report", "run"}, manager());
  ASSERT_EQ(run.code, 0) << run;
  const auto rep_run = salesctl({"report", "run"});
  EXPECT_EQ(rep_run.code, 5) << rep_run;
  const auto runs = salesctl({"report", "runs"}, manager());
  EXPECT_EQ(runs.code, 0) << runs;
  EXPECT_THAT(runs.out, HasSubstr("reportRuns/"));

  const std::string week = last_monday(system_->clock->now());
  auto reports = stub<v1::ReportService::Stub>(system_->reports->grpc_address());
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + manager());
  v1::GetWeeklyReviewRequest request;
  request.set_week(week);
  v1::WeeklyReview expected;
  ASSERT_TRUE(reports->GetWeeklyReview(&context, request, &expected).ok());
  EXPECT_GT(expected.week().new_customers(), 0) << "the sample data should fill last week";

  const auto weekly = salesctl({"report", "weekly", "--week", week, "-o", "json"}, manager());
  ASSERT_EQ(weekly.code, 0) << weekly;
  v1::WeeklyReview from_cli;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(weekly.out, &from_cli).ok()) << weekly;
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(expected, from_cli)) << diff;

  const auto table = salesctl({"report", "weekly", "--week", week}, manager());
  EXPECT_EQ(table.code, 0) << table;
  EXPECT_TRUE(std::regex_search(
      table.out, std::regex(fmt::format("new customers: +{}\n", expected.week().new_customers()))))
      << table.out;
  EXPECT_THAT(table.out, HasSubstr("意向客户"));
  const auto bad_week = salesctl({"report", "weekly", "--week", "someday"}, manager());
  EXPECT_EQ(bad_week.code, 6) << bad_week;

  const auto monthly = salesctl({"report", "monthly", "-o", "json"}, manager());
  EXPECT_EQ(monthly.code, 0) << monthly;
  const auto monthly_table = salesctl({"report", "monthly"}, manager());
  EXPECT_THAT(monthly_table.out, HasSubstr("xiaowang"));
  EXPECT_THAT(monthly_table.out, HasSubstr("高意向客户"));
}

// The page's formats, written out here rather than taken from the library,
// so that a formatting mistake there fails this test too.
std::string share_text(const v1::StageShare& s) {
  return s.has_share() ? fmt::format("{:.1f}%", s.share().value() * 100.0) : "—";
}
std::string change_text(const v1::StageShare& s) {
  return s.has_change_pp() ? fmt::format("{:+.1f}", s.change_pp().value()) : "—";
}
std::string days_text(double seconds) { return fmt::format("{:.1f}", seconds / 86400.0); }

// Every data-metric of a page (as Chromium serialised it) and its text.
std::map<std::string, std::string> page_metrics(const std::string& dom) {
  std::map<std::string, std::string> metrics;
  const std::regex cell(R"re(data-metric="([^"]+)"[^>]*>([^<]*)<)re");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), cell); it != std::sregex_iterator();
       ++it) {
    std::string key = (*it)[1];
    key = std::regex_replace(key, std::regex("&gt;"), ">");
    key = std::regex_replace(key, std::regex("&lt;"), "<");
    key = std::regex_replace(key, std::regex("&amp;"), "&");
    metrics[key] = (*it)[2];
  }
  return metrics;
}

TEST_F(SalesctlTest, WeeklyReviewPageRendersInChromiumWithTheServicesNumbers) {
  const std::string chromium = chromium_binary();
  ASSERT_FALSE(chromium.empty()) << "Debian's chromium is required (scripts/install-deps.sh)";
  ASSERT_EQ(salesctl({"report", "run"}, manager()).code, 0);
  const std::string week = last_monday(system_->clock->now());
  const auto page = file("weekly.html").string();
  const auto written = salesctl({"report", "weekly", "--week", week, "--html", page}, manager());
  ASSERT_EQ(written.code, 0) << written;
  EXPECT_THAT(written.err, HasSubstr("wrote the weekly review page"));
  const std::string html = testing::read_file(page);
  EXPECT_THAT(html, HasSubstr("销售周复盘"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));

  // The service's own answers.
  auto reports = stub<v1::ReportService::Stub>(system_->reports->grpc_address());
  auto followups = stub<v1::FollowUpService::Stub>(system_->followups->grpc_address());
  v1::WeeklyReview review;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + manager());
    v1::GetWeeklyReviewRequest request;
    request.set_week(week);
    ASSERT_TRUE(reports->GetWeeklyReview(&context, request, &review).ok());
  }
  v1::ListHighIntentCustomersResponse hot;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + manager());
    v1::ListHighIntentCustomersRequest request;
    request.set_owner_id("*");
    request.set_page_size(500);
    ASSERT_TRUE(followups->ListHighIntentCustomers(&context, request, &hot).ok());
  }
  v1::ListStalledCustomersResponse stalled;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + manager());
    v1::ListStalledCustomersRequest request;
    request.set_owner_id("*");
    request.set_page_size(500);
    ASSERT_TRUE(followups->ListStalledCustomers(&context, request, &stalled).ok());
  }
  const auto& w = review.week();
  std::map<std::string, std::string> expected = {
      {"week_start", w.week_start()},
      {"new_customers", std::to_string(w.new_customers())},
      {"customers_existing", std::to_string(w.customers_existing())},
      {"won_count", std::to_string(w.won_cycle_days().count())},
      {"won_cycle_days:count", std::to_string(w.won_cycle_days().count())},
      {"won_follow_ups:count", std::to_string(w.won_follow_ups().count())},
      {"high_intent_count", std::to_string(hot.customers_size())},
      {"stalled_count", std::to_string(stalled.customers_size())}};
  long long losses = 0;
  for (const auto& c : w.new_by_source())
    expected["new_by_source:" + c.key()] = std::to_string(c.count());
  for (const auto& c : w.new_by_owner())
    expected["new_by_owner:" + c.key()] = std::to_string(c.count());
  for (const auto& c : w.new_by_industry())
    expected["new_by_industry:" + c.key()] = std::to_string(c.count());
  for (const auto& c : w.losses_by_reason()) {
    expected["loss:" + c.key()] = std::to_string(c.count());
    losses += c.count();
  }
  expected["losses_total"] = std::to_string(losses);
  for (const auto& s : w.stages()) {
    const auto code = salesctl::stage_code(s.stage());
    expected["stage_count:" + code] = std::to_string(s.count());
    expected["stage_share:" + code] = share_text(s);
    expected["stage_change:" + code] = change_text(s);
  }
  for (const auto& t : w.time_in_stage()) {
    const auto code = salesctl::stage_code(t.stage());
    expected["time_in_stage:" + code + ":count"] = std::to_string(t.seconds().count());
    expected["time_in_stage:" + code + ":median"] = days_text(t.seconds().median());
  }
  for (const auto& t : w.transitions())
    expected["transition:" + salesctl::stage_code(t.from_stage()) + ">" +
             salesctl::stage_code(t.to_stage())] = std::to_string(t.count());
  expected["won_cycle_days:median"] =
      w.won_cycle_days().count() > 0 ? fmt::format("{:.1f}", w.won_cycle_days().median()) : "—";

  // Chromium reads the file with no network and serialises the DOM it built.
  const auto profile = system_->dir / "chromium-profile";
  fs::create_directories(profile);
  const std::vector<std::string> base = {chromium,
                                         "--headless",
                                         "--no-sandbox",
                                         "--disable-gpu",
                                         "--no-first-run",
                                         "--disable-background-networking",
                                         "--disable-component-update",
                                         "--disable-sync",
                                         "--user-data-dir=" + profile.string()};
  auto dump_args = base;
  dump_args.insert(dump_args.end(), {"--dump-dom", "file://" + page});
  const auto dom = run_program(dump_args, {}, std::chrono::seconds(120));
  ASSERT_EQ(dom.code, 0) << dom;
  const auto shown = page_metrics(dom.out);
  ASSERT_FALSE(shown.empty()) << dom.out.substr(0, 2000);
  for (const auto& [metric, value] : expected) {
    const auto found = shown.find(metric);
    if (found == shown.end()) {
      ADD_FAILURE() << "the page does not show " << metric;
      continue;
    }
    EXPECT_EQ(found->second, value) << metric;
  }
  // Nothing on the page that the service did not answer.
  for (const auto& [metric, value] : shown) {
    if (metric.rfind("new_by_", 0) == 0 || metric.rfind("loss:", 0) == 0 ||
        metric.rfind("transition:", 0) == 0) {
      EXPECT_EQ(expected.count(metric), 1U) << "unexpected " << metric << " = " << value;
    }
  }
  EXPECT_THAT(dom.out, HasSubstr("<svg"));

  // A screenshot: the page is drawn (not blank, not one colour).
  const auto png = system_->dir / "weekly.png";
  auto shot_args = base;
  shot_args.insert(shot_args.end(), {"--hide-scrollbars", "--window-size=1280,2000",
                                     "--screenshot=" + png.string(), "file://" + page});
  const auto shot = run_program(shot_args, {}, std::chrono::seconds(120));
  ASSERT_EQ(shot.code, 0) << shot;
  ASSERT_TRUE(fs::exists(png)) << shot;
  const auto image = testing::read_png(png);
  EXPECT_EQ(image.width, 1280U);
  const auto stats = testing::pixel_stats(image);
  EXPECT_GT(stats.distinct_colours, 20U);    // text, bars, borders in several colours
  EXPECT_LT(stats.most_common_share, 0.97);  // more than a white page with a speck
  // SALESCTL_TEST_KEEP=DIR keeps the page and the screenshot for a look.
  if (const char* keep = std::getenv("SALESCTL_TEST_KEEP"); keep != nullptr) {
    fs::copy_file(page, fs::path(keep) / "weekly.html", fs::copy_options::overwrite_existing);
    fs::copy_file(png, fs::path(keep) / "weekly.png", fs::copy_options::overwrite_existing);
  }
}

// ------------------------------------------------------------ reminders

TEST_F(SalesctlTest, WatchStreamsAReminderWhenAPlanComesDue) {
  const auto customer = add_customer("提醒测试有限公司", "13800007004");
  ASSERT_FALSE(customer.empty());
  const TimePoint now = system_->clock->now();
  const auto plan_time = format_rfc3339(now + std::chrono::hours(1));
  ASSERT_EQ(
      salesctl({"followup", "plan", customer, "--at", plan_time, "--action", "电话回访"}).code, 0);
  Result watched;
  std::thread watcher([&] {
    watched = salesctl(
        {"watch", "--since", format_rfc3339(now), "--max", "1", "--for", "60", "-o", "json"});
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  system_->clock->set(now + std::chrono::hours(1) + std::chrono::minutes(1));
  watcher.join();
  system_->clock->set(now);
  EXPECT_EQ(watched.code, 0) << watched;
  EXPECT_THAT(watched.out, HasSubstr(customer));
  EXPECT_THAT(watched.out, HasSubstr("电话回访"));
}

}  // namespace
}  // namespace salesfollow
