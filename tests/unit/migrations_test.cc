#include "salesfollow/common/migrations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace salesfollow {
namespace {

using ::testing::ElementsAre;

TEST(MigrationFileNameTest, ParsesVersionAndName) {
  const auto parsed = parse_migration_file_name("V012__customer_profiles.sql");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->version, 12);
  EXPECT_EQ(parsed->name, "customer_profiles");
}

TEST(MigrationFileNameTest, RejectsOtherNames) {
  EXPECT_FALSE(parse_migration_file_name("V1__short_version.sql"));
  EXPECT_FALSE(parse_migration_file_name("V001_single_underscore.sql"));
  EXPECT_FALSE(parse_migration_file_name("V001__Upper.sql"));
  EXPECT_FALSE(parse_migration_file_name("V001__name.txt"));
  EXPECT_FALSE(parse_migration_file_name("V000__zero.sql"));
  EXPECT_FALSE(parse_migration_file_name("R001__repeatable.sql"));
}

TEST(MigrationSequenceTest, AcceptsAscendingUniqueVersions) {
  EXPECT_NO_THROW(check_migration_sequence(
      {{1, "a", "CREATE TABLE a (id INT)"}, {2, "b", "CREATE TABLE b (id INT)"}}));
}

TEST(MigrationSequenceTest, RejectsDuplicatesDisorderAndEmptyFiles) {
  EXPECT_THROW(check_migration_sequence({{1, "a", "SELECT 1"}, {1, "b", "SELECT 1"}}),
               std::invalid_argument);
  EXPECT_THROW(check_migration_sequence({{2, "a", "SELECT 1"}, {1, "b", "SELECT 1"}}),
               std::invalid_argument);
  EXPECT_THROW(check_migration_sequence({{1, "a", "-- only a comment\n"}}), std::invalid_argument);
  EXPECT_THROW(check_migration_sequence({{0, "a", "SELECT 1"}}), std::invalid_argument);
}

TEST(MigrationChecksumTest, IsSha256OfTheBytesAndChangesWithThem) {
  const Migration original{1, "a", "CREATE TABLE a (id INT);\n"};
  Migration edited = original;
  edited.sql += " ";
  EXPECT_EQ(original.checksum().size(), 64U);
  EXPECT_EQ(original.checksum(), Migration(original).checksum());
  EXPECT_NE(original.checksum(), edited.checksum());
  // Known vector: SHA-256("") .
  EXPECT_EQ((Migration{1, "x", ""}).checksum(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SplitSqlTest, SplitsAtSemicolonsOutsideQuotesAndComments) {
  const auto statements = split_sql_statements(
      "-- a comment; with a semicolon\n"
      "CREATE TABLE a (note VARCHAR(10) DEFAULT 'x;y');\n"
      "/* block; comment */ INSERT INTO a VALUES (\"it\\\"s;\");\n"
      "# hash comment;\n"
      "SELECT `odd;name` FROM a\n");
  EXPECT_THAT(statements,
              ElementsAre("CREATE TABLE a (note VARCHAR(10) DEFAULT 'x;y')",
                          "INSERT INTO a VALUES (\"it\\\"s;\")", "SELECT `odd;name` FROM a"));
}

TEST(SplitSqlTest, KeepsChineseTextIntact) {
  const auto statements =
      split_sql_statements("INSERT INTO t VALUES ('制造业；零售');INSERT INTO t VALUES ('教育')");
  EXPECT_THAT(statements, ElementsAre("INSERT INTO t VALUES ('制造业；零售')",
                                      "INSERT INTO t VALUES ('教育')"));
}

TEST(EmbeddedMigrationsTest, FormAValidSequence) {
  const auto& migrations = embedded_migrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().version, 1);
  EXPECT_NO_THROW(check_migration_sequence(migrations));
}

}  // namespace
}  // namespace salesfollow
