// Terminal tables with Chinese text, salesctl's command line and settings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app.h"
#include "command_line.h"
#include "context.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "exit_codes.h"
#include "labels.h"
#include "progress.h"
#include "settings.h"
#include "table.h"

namespace salesfollow::salesctl {
namespace {

using ::testing::HasSubstr;

TEST(DisplayWidthTest, ChineseCharactersTakeTwoCells) {
  EXPECT_EQ(display_width(""), 0U);
  EXPECT_EQ(display_width("abc"), 3U);
  EXPECT_EQ(display_width("科技有限公司"), 12U);
  EXPECT_EQ(display_width("张*女士"), 7U);
  EXPECT_EQ(display_width("（全角）"), 8U);   // fullwidth brackets
  EXPECT_EQ(display_width("e\xCC\x81"), 1U);  // e + combining acute
  EXPECT_EQ(display_width("\xFF"), 1U);       // an invalid byte still takes a cell
}

TEST(DisplayWidthTest, FitCutsWholeCharactersAndMarksTheCut) {
  EXPECT_EQ(fit_to_width("科技有限公司", 12), "科技有限公司");
  EXPECT_EQ(fit_to_width("科技有限公司", 7), "科技有…");
  EXPECT_EQ(display_width(fit_to_width("科技有限公司", 6)), 5U);  // never half a character
  EXPECT_EQ(fit_to_width("abcdef", 4), "abc…");
}

TEST(TableTest, ColumnsLineUpInDisplayCells) {
  Table table({"ID", "CUSTOMER", "STAGE"});
  table.add_row({"customers/1", "科技有限公司", "意向客户"});
  table.add_row({"customers/22", "Acme", "won"});
  const std::string text = table.render();
  std::istringstream lines(text);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 4U);
  // The STAGE column starts at the same cell on every line.
  const auto column_of = [](const std::string& line, const std::string& cell) {
    return display_width(line.substr(0, line.find(cell)));
  };
  EXPECT_EQ(column_of(rows[0], "STAGE"), column_of(rows[2], "意向客户"));
  EXPECT_EQ(column_of(rows[0], "STAGE"), column_of(rows[3], "won"));
  EXPECT_EQ(rows[1].substr(0, 12), "------------");
  EXPECT_EQ(rows[3].back(), 'n');  // no trailing spaces
}

TEST(TableTest, LineBreaksBecomeSpacesAndLongCellsAreCut) {
  Table table({"NOTE"});
  table.add_row({"第一行\n第二行"});
  table.add_row({std::string(50, 'x')});
  const std::string text = table.render(10);
  EXPECT_THAT(text, HasSubstr("第一行 第…"));
  EXPECT_THAT(text, HasSubstr("xxxxxxxxx…"));
}

TEST(LabelsTest, StagesAndChannelsParseInEveryUsualSpelling) {
  EXPECT_EQ(parse_stage("high_intention"), v1::STAGE_HIGH_INTENTION);
  EXPECT_EQ(parse_stage("High-Intention"), v1::STAGE_HIGH_INTENTION);
  EXPECT_EQ(parse_stage("STAGE_WON"), v1::STAGE_WON);
  EXPECT_EQ(parse_stage("流失客户"), v1::STAGE_LOST);
  EXPECT_FALSE(parse_stage("maybe"));
  EXPECT_EQ(parse_channel("WeChat"), v1::WECHAT);
  EXPECT_EQ(parse_channel("面谈"), v1::MEETING);
  EXPECT_EQ(parse_kind("loss-reasons"), v1::LOSS_REASON);
}

TEST(LabelsTest, TimesAreReadAndShownInTheTeamZone) {
  const TeamTime time("Asia/Shanghai");
  EXPECT_EQ(time.parse("2024-03-05 14:30"), parse_rfc3339("2024-03-05T06:30:00Z"));
  EXPECT_EQ(time.parse("2024-03-05T14:30"), parse_rfc3339("2024-03-05T06:30:00Z"));
  EXPECT_EQ(time.parse("2024-03-05"), parse_rfc3339("2024-03-05T01:00:00Z"));  // 09:00 local
  EXPECT_EQ(time.parse("2024-03-05T06:30:00Z"), parse_rfc3339("2024-03-05T06:30:00Z"));
  EXPECT_FALSE(time.parse("next tuesday"));
  EXPECT_FALSE(time.parse("2024-03-05 14:30 extra"));
  EXPECT_EQ(time.format(*parse_rfc3339("2024-03-03T16:30:00Z")), "2024-03-04 00:30");
  EXPECT_EQ(time.date(*parse_rfc3339("2024-03-03T16:30:00Z")), "2024-03-04");
  EXPECT_THROW(TeamTime("Mars/Olympus"), std::invalid_argument);
}

// ------------------------------------------------------------ command line

CommandLine sample_commands() {
  CommandLine commands("salesctl", global_flags());
  commands.add({"customer show", "CUSTOMER", "show", "", {}, 1, 1, nullptr});
  commands.add({"customer list",
                "",
                "list",
                "",
                {{"owner", "ID", "owner"}, {"all", "", "every page"}},
                0,
                0,
                nullptr});
  commands.add({"due", "", "due", "", {}, 0, 0, nullptr});
  return commands;
}

TEST(CommandLineTest, FlagsMayComeBeforeAndAfterTheCommand) {
  const auto commands = sample_commands();
  const auto in =
      commands.parse({"-o", "json", "customer", "list", "--owner", "u1", "--all", "--token=abc"});
  ASSERT_NE(in.command, nullptr);
  EXPECT_EQ(in.command->path, "customer list");
  EXPECT_EQ(in.get("output"), "json");
  EXPECT_EQ(in.get("owner"), "u1");
  EXPECT_EQ(in.get("all"), "true");
  EXPECT_EQ(in.get("token"), "abc");
  EXPECT_TRUE(in.args.empty());
}

TEST(CommandLineTest, ArgumentsAndTheDoubleDash) {
  const auto commands = sample_commands();
  const auto in = commands.parse({"customer", "show", "--", "-5"});
  ASSERT_EQ(in.args.size(), 1U);
  EXPECT_EQ(in.args[0], "-5");
}

TEST(CommandLineTest, MistakesAreUsageErrors) {
  const auto commands = sample_commands();
  EXPECT_THROW(commands.parse({"custmer", "list"}), UsageError);
  EXPECT_THROW(commands.parse({"customer", "list", "--nope"}), UsageError);
  EXPECT_THROW(commands.parse({"customer", "list", "--owner"}), UsageError);
  EXPECT_THROW(commands.parse({"customer", "show"}), UsageError);            // missing argument
  EXPECT_THROW(commands.parse({"customer", "show", "1", "2"}), UsageError);  // one too many
  EXPECT_THROW(commands.parse({"customer"}), UsageError);                    // no action
  EXPECT_THROW(commands.parse({"customer", "list", "--all=maybe"}), UsageError);
}

TEST(CommandLineTest, HelpAtEveryLevel) {
  const auto commands = sample_commands();
  const auto top = commands.parse({"--help"});
  EXPECT_TRUE(top.help);
  EXPECT_THAT(top.help_text, HasSubstr("customer list"));
  const auto group = commands.parse({"customer", "--help"});
  EXPECT_THAT(group.help_text, HasSubstr("customer show"));
  const auto one = commands.parse({"customer", "list", "--help"});
  EXPECT_THAT(one.help_text, HasSubstr("--owner ID"));
  EXPECT_THAT(one.help_text, HasSubstr("--token-file FILE"));
  // --help wins over missing arguments.
  EXPECT_TRUE(commands.parse({"customer", "show", "--help"}).help);
}

TEST(CommandLineTest, EveryRealCommandHasHelpAndAHandler) {
  const auto commands = make_command_line();
  EXPECT_GE(commands.commands().size(), 35U);
  for (const auto& c : commands.commands()) {
    EXPECT_TRUE(c.handler) << c.path;
    EXPECT_FALSE(c.summary.empty()) << c.path;
    std::istringstream words(c.path);
    std::vector<std::string> args;
    for (std::string w; words >> w;) args.push_back(w);
    args.emplace_back("--help");
    std::ostringstream out, err;
    EXPECT_EQ(run(args, {}, out, err, false), kExitOk) << c.path << ": " << err.str();
    EXPECT_THAT(out.str(), HasSubstr("Usage: salesctl " + c.path)) << c.path;
  }
}

// ------------------------------------------------------------ settings

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("salesctl-settings-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }
  Invocation parse(std::vector<std::string> args) {
    args.insert(args.begin(), {"due"});
    return commands_.parse(args);
  }
  std::filesystem::path dir_;
  CommandLine commands_ = sample_commands();
};

TEST_F(SettingsTest, FlagBeatsEnvironmentBeatsConfigFileBeatsDefault) {
  const auto config = write("config",
                            "# team server\nserver = 10.0.0.5\ntoken = \"from-file\"\n"
                            "report-service = reports:9000\n");
  const std::map<std::string, std::string> env = {{"SALESCTL_CONFIG", config.string()},
                                                  {"SALESCTL_TOKEN", "from-env"}};
  const auto from_env = resolve_settings(parse({}), env);
  EXPECT_EQ(from_env.customer_service, "10.0.0.5:50051");
  EXPECT_EQ(from_env.report_service, "reports:9000");
  EXPECT_EQ(from_env.token, "from-env");
  const auto from_flag =
      resolve_settings(parse({"--token", "from-flag", "--customer-service", "c:1"}), env);
  EXPECT_EQ(from_flag.token, "from-flag");
  EXPECT_EQ(from_flag.customer_service, "c:1");
  const auto defaults = resolve_settings(parse({}), {});
  EXPECT_EQ(defaults.followup_service, "127.0.0.1:50052");
  EXPECT_FALSE(defaults.json);
}

TEST_F(SettingsTest, TokenFileIsTrimmed) {
  const auto token = write("token", "abc.def.ghi\n");
  EXPECT_EQ(resolve_settings(parse({"--token-file", token.string()}), {}).token, "abc.def.ghi");
  EXPECT_THROW(resolve_settings(parse({"--token-file", (dir_ / "missing").string()}), {}),
               UsageError);
}

TEST_F(SettingsTest, BadValuesAreUsageErrors) {
  EXPECT_THROW(resolve_settings(parse({"-o", "yaml"}), {}), UsageError);
  EXPECT_THROW(resolve_settings(parse({"--timeout", "soon"}), {}), UsageError);
  EXPECT_THROW(resolve_settings(parse({"--ca-file", "x.pem"}), {}), UsageError);  // needs --tls
  EXPECT_THROW(resolve_settings(parse({"--tls", "--cert-file", "c.pem"}), {}), UsageError);
  EXPECT_THROW(parse_config("server 10.0.0.5\n", "cfg"), UsageError);
  try {
    parse_config("\n# ok\nsevrer = x\n", "cfg");
    FAIL() << "an unknown key must be refused";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cfg:3"));
  }
}

TEST_F(SettingsTest, TlsSettingsAreKept) {
  const auto s = resolve_settings(
      parse({"--tls", "--ca-file", "ca.pem", "--server-name-override", "salesfollow.internal"}),
      {});
  EXPECT_TRUE(s.tls);
  EXPECT_EQ(s.ca_file, "ca.pem");
  EXPECT_EQ(s.server_name_override, "salesfollow.internal");
  EXPECT_TRUE(resolve_settings(parse({}), {{"SALESCTL_TLS", "yes"}}).tls);
}

TEST(AppTest, UsageErrorsExitWithTwoAndSayWhy) {
  std::ostringstream out, err;
  EXPECT_EQ(run({"customer", "frobnicate"}, {}, out, err, false), kExitUsage);
  EXPECT_THAT(err.str(), HasSubstr("unknown command 'customer frobnicate'"));
  std::ostringstream out2, err2;
  EXPECT_EQ(run({"customer", "stage", "1", "maybe", "--reason", "x"}, {}, out2, err2, false),
            kExitUsage);
  EXPECT_THAT(err2.str(), HasSubstr("STAGE must be"));
}

TEST(StatusTest, ExitCodesFollowTheStatusCode) {
  EXPECT_EQ(exit_code_for(grpc::StatusCode::OK), kExitOk);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::UNAVAILABLE), kExitUnavailable);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::DEADLINE_EXCEEDED), kExitUnavailable);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::NOT_FOUND), kExitNotFound);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::PERMISSION_DENIED), kExitDenied);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::UNAUTHENTICATED), kExitDenied);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::INVALID_ARGUMENT), kExitInvalid);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::FAILED_PRECONDITION), kExitInvalid);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::ABORTED), kExitConflict);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::ALREADY_EXISTS), kExitConflict);
  EXPECT_EQ(exit_code_for(grpc::StatusCode::INTERNAL), kExitFailure);
}

TEST(StatusTest, DescriptionIsTheServicesMessageAndTheFieldItNames) {
  google::rpc::ErrorInfo info;
  info.set_reason("INVALID_FIELD");
  (*info.mutable_metadata())["field"] = "customer.industry";
  google::rpc::Status details;
  details.set_code(3);
  details.add_details()->PackFrom(info);
  const grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT, "unknown industry 'x'",
                            details.SerializeAsString());
  EXPECT_EQ(describe_status(status),
            "INVALID_ARGUMENT: unknown industry 'x' (field: customer.industry)");
  EXPECT_EQ(describe_status(grpc::Status(grpc::StatusCode::NOT_FOUND, "customers/9")),
            "NOT_FOUND: customers/9");
}

TEST(ProgressTest, BarOnATerminalLinesOtherwise) {
  using namespace std::chrono_literals;
  const auto start = Progress::Clock::time_point{};
  std::ostringstream tty, log;
  Progress bar(tty, true, 1000, start);
  Progress lines(log, false, 1000, start);
  EXPECT_EQ(bar.line(500, 500, start + 2s),
            "[###############...............]  50%  500 rows  250 rows/s");
  EXPECT_EQ(lines.line(500, 500, start + 2s), " 50%  500 rows  250 rows/s");
  lines.update(10, 10, start + 1s);  // too soon for a line
  EXPECT_EQ(log.str(), "");
  lines.update(600, 600, start + 3s);
  lines.finish(1000, 1000, start + 4s);
  EXPECT_EQ(log.str(),
            "progress:  60%  600 rows  200 rows/s\nprogress: 100%  1000 rows  250 rows/s\n");
  bar.finish(1000, 1000, start + 4s);
  EXPECT_THAT(tty.str(), HasSubstr("\r"));
}

}  // namespace
}  // namespace salesfollow::salesctl
