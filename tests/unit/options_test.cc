#include "salesfollow/common/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace salesfollow {
namespace {

using ::testing::HasSubstr;

Options sample_options() {
  Options options("test-program");
  options.add({"db-host", "127.0.0.1", "database host"});
  options.add({"db-port", "3306", "database port"});
  options.add({"db-password", "", "password", true});
  options.add({"db-password-file", "", "password file"});
  options.add({"timeout", "5s", "a duration"});
  options.add({"verbose", "false", "a switch", false, true});
  return options;
}

TEST(OptionsTest, DefaultsApplyWhenNothingIsGiven) {
  auto options = sample_options();
  ASSERT_TRUE(options.parse({}, {}));
  EXPECT_EQ(options.text("db-host"), "127.0.0.1");
  EXPECT_EQ(options.integer("db-port", 1, 65535), 3306);
  EXPECT_EQ(options.source_of("db-host"), "default");
  options.validate();
}

TEST(OptionsTest, EnvironmentOverridesDefaultAndFlagOverridesEnvironment) {
  auto options = sample_options();
  ASSERT_TRUE(options.parse(
      {"--db-port=3307"}, {{"SALESFOLLOW_DB_HOST", "db.internal"}, {"SALESFOLLOW_DB_PORT", "1"}}));
  EXPECT_EQ(options.text("db-host"), "db.internal");
  EXPECT_EQ(options.source_of("db-host"), "env");
  EXPECT_EQ(options.integer("db-port", 1, 65535), 3307);
  EXPECT_EQ(options.source_of("db-port"), "flag");
}

TEST(OptionsTest, FlagValueMayFollowAsSeparateArgument) {
  auto options = sample_options();
  ASSERT_TRUE(options.parse({"--db-host", "other", "--verbose"}, {}));
  EXPECT_EQ(options.text("db-host"), "other");
  EXPECT_TRUE(options.boolean("verbose"));
}

TEST(OptionsTest, UnknownFlagsAndMissingValuesAreReportedTogether) {
  auto options = sample_options();
  try {
    options.parse({"--no-such-option=1", "stray", "--db-host"}, {});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 3U);
    EXPECT_THAT(e.problems()[0], HasSubstr("unknown option --no-such-option"));
    EXPECT_THAT(e.problems()[1], HasSubstr("unexpected argument 'stray'"));
    EXPECT_THAT(e.problems()[2], HasSubstr("--db-host needs a value"));
  }
}

TEST(OptionsTest, InvalidValuesNameTheOptionAndItsVariable) {
  auto options = sample_options();
  ASSERT_TRUE(options.parse({"--db-port=70000", "--timeout=soon", "--verbose=maybe"}, {}));
  options.integer("db-port", 1, 65535);
  options.duration("timeout", std::chrono::milliseconds(1), std::chrono::hours(1));
  options.boolean("verbose");
  try {
    options.validate();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 3U);
    EXPECT_THAT(e.problems()[0],
                HasSubstr("--db-port (SALESFOLLOW_DB_PORT) must be between 1 and 65535"));
    EXPECT_THAT(e.problems()[1], HasSubstr("--timeout (SALESFOLLOW_TIMEOUT) must be a duration"));
    EXPECT_THAT(e.problems()[2], HasSubstr("--verbose"));
  }
}

TEST(OptionsTest, NonNumericIntegerIsRejected) {
  auto options = sample_options();
  ASSERT_TRUE(options.parse({"--db-port=33o6"}, {}));
  options.integer("db-port", 1, 65535);
  EXPECT_THROW(options.validate(), ConfigError);
}

TEST(OptionsTest, SecretIsReadFromFileWithoutTrailingNewline) {
  const auto path = std::filesystem::temp_directory_path() / "options_test_secret";
  {
    std::ofstream out(path);
    out << "s3cret value\n";
  }
  auto options = sample_options();
  ASSERT_TRUE(options.parse({"--db-password-file=" + path.string()}, {}));
  EXPECT_EQ(options.secret("db-password"), "s3cret value");
  options.validate();
  std::filesystem::remove(path);
}

TEST(OptionsTest, MissingSecretFileIsAProblem) {
  auto options = sample_options();
  ASSERT_TRUE(options.parse({"--db-password-file=/nonexistent/secret"}, {}));
  options.secret("db-password");
  EXPECT_THROW(options.validate(), ConfigError);
}

TEST(OptionsTest, HelpNeverShowsSecretValues) {
  auto options = sample_options();
  ASSERT_TRUE(options.parse({}, {{"SALESFOLLOW_DB_PASSWORD", "hunter2"}}));
  const std::string help = options.help_text();
  EXPECT_THAT(help, HasSubstr("SALESFOLLOW_DB_HOST"));
  EXPECT_THAT(help, HasSubstr("(secret, not shown)"));
  EXPECT_THAT(help, ::testing::Not(HasSubstr("hunter2")));
}

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("5s"), std::chrono::seconds(5));
  EXPECT_EQ(parse_duration("7"), std::chrono::seconds(7));
  EXPECT_EQ(parse_duration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(parse_duration("1h"), std::chrono::hours(1));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("5 s"));
  EXPECT_FALSE(parse_duration("5d"));
  EXPECT_FALSE(parse_duration("99999999999999999999s"));
}

}  // namespace
}  // namespace salesfollow
