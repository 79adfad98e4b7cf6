// The text-row reader of the hot reads: parameter binding (what SOCI's MySQL
// backend does client-side) and the column accessors.
#include "salesfollow/common/sql_util.h"

#include <gtest/gtest.h>

#include <array>

namespace salesfollow {
namespace {

std::string fake_quote(const std::string& value) { return "<" + value + ">"; }

TEST(BindParametersTest, ReplacesEveryNamedParameterOutsideLiterals) {
  EXPECT_EQ(bind_parameters("SELECT a FROM t WHERE id = :id AND owner = :owner OR o2 = :owner",
                            {{"owner", "rep_a"}, {"id", "7"}}, fake_quote),
            "SELECT a FROM t WHERE id = <7> AND owner = <rep_a> OR o2 = <rep_a>");
}

TEST(BindParametersTest, LeavesQuotedTextAndEscapesAlone) {
  EXPECT_EQ(
      bind_parameters("SELECT DATE_FORMAT(d, '%Y-%m-%d :x'), 'it\\'s :x', `a:x`, "
                      "'ok'':x' FROM t WHERE k = :k",
                      {{"k", "v"}}, fake_quote),
      "SELECT DATE_FORMAT(d, '%Y-%m-%d :x'), 'it\\'s :x', `a:x`, 'ok'':x' FROM t WHERE k = <v>");
  EXPECT_EQ(bind_parameters("SELECT '+08:00', a := 1", {}, fake_quote), "SELECT '+08:00', a := 1")
      << "a colon not followed by a name is not a parameter";
}

TEST(BindParametersTest, AMissingValueIsAnError) {
  EXPECT_THROW(bind_parameters("SELECT 1 FROM t WHERE a = :nope", {{"a", "1"}}, fake_quote),
               std::invalid_argument);
}

TEST(TextRowTest, ReadsTextNullsAndIntegers) {
  std::array<char*, 4> fields{const_cast<char*>("杭州智联"), nullptr, const_cast<char*>("-42"),
                              const_cast<char*>("12x")};
  const std::array<unsigned long, 4> lengths{12, 0, 3, 3};
  const TextRow row(fields.data(), lengths.data(), fields.size());
  EXPECT_EQ(row.text(0), "杭州智联");
  EXPECT_EQ(row.text(1), "");
  EXPECT_TRUE(row.is_null(1));
  EXPECT_EQ(row.optional_text(1), std::nullopt);
  EXPECT_EQ(row.optional_text(0), std::optional<std::string>("杭州智联"));
  EXPECT_EQ(row.integer(2), -42);
  EXPECT_THROW(row.integer(1), std::runtime_error) << "NULL is not a number";
  EXPECT_THROW(row.integer(3), std::runtime_error) << "trailing garbage";
  EXPECT_THROW(row.text(4), std::out_of_range);
}

}  // namespace
}  // namespace salesfollow
