#include "customer_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "customer_validation.h"
#include "salesfollow/common/errors.h"

namespace salesfollow::customer_service {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.code(), grpc::StatusCode::INVALID_ARGUMENT);
    return e.what();
  }
  return "no error";
}

TEST(CustomerFilterTest, ParsesTermsIntoBoundConditions) {
  const auto query = parse_customer_filter(
      R"(owner_id = "rep_a" AND stage = HIGH_INTENTION AND display_name : "科技\"x" AND )"
      R"(first_contact_date >= "2024-02-01" AND need_tag = erp_system)");
  ASSERT_EQ(query.conditions.size(), 5U);
  EXPECT_EQ(query.conditions[0].sql, "c.owner_id = :f0");
  EXPECT_EQ(query.conditions[0].values.front(), "rep_a");
  EXPECT_EQ(query.conditions[1].values.front(), "3");
  EXPECT_EQ(query.conditions[2].values.front(), "科技\"x");
  EXPECT_EQ(query.conditions[3].sql, "c.first_contact_date >= :f3");
  EXPECT_THAT(query.conditions[4].sql, HasSubstr("customer_need_tags"));
}

TEST(CustomerFilterTest, EscapesLikeWildcards) {
  const auto query = parse_customer_filter(R"(display_name : "100%_off")");
  EXPECT_EQ(query.conditions[0].values.front(), "100\\%\\_off");
}

TEST(CustomerFilterTest, SqlInValuesStaysAValue) {
  const auto query = parse_customer_filter(R"(owner_id = "x' OR '1'='1")");
  EXPECT_EQ(query.conditions[0].sql, "c.owner_id = :f0");
  EXPECT_EQ(query.conditions[0].values.front(), "x' OR '1'='1");
}

TEST(CustomerFilterTest, RejectsWhatItDoesNotUnderstand) {
  EXPECT_THAT(error_of([] { parse_customer_filter("phone = 139"); }),
              HasSubstr("unknown field 'phone'"));
  EXPECT_THAT(error_of([] { parse_customer_filter("stage = WON OR stage = LOST"); }),
              HasSubstr("expected AND"));
  EXPECT_THAT(error_of([] { parse_customer_filter("stage = BOGUS"); }), HasSubstr("unknown stage"));
  EXPECT_THAT(error_of([] { parse_customer_filter("display_name = \"x\""); }),
              HasSubstr("only ':'"));
  EXPECT_THAT(error_of([] { parse_customer_filter("owner_id = \"open"); }),
              HasSubstr("unterminated"));
  EXPECT_THAT(error_of([] { parse_customer_filter("first_contact_date > \"March\""); }),
              HasSubstr("YYYY-MM-DD"));
  EXPECT_THAT(error_of([] { parse_customer_filter("create_time > \"yesterday\""); }),
              HasSubstr("RFC 3339"));
  EXPECT_THAT(error_of([] { parse_customer_filter("owner_id"); }), HasSubstr("operator"));
  EXPECT_THAT(error_of([] { parse_customer_filter("industry = retail AND"); }),
              HasSubstr("ends with AND"));
  EXPECT_THAT(error_of([] { parse_customer_filter("industry = retail AND  "); }),
              HasSubstr("ends with AND"));
}

TEST(CustomerOrderTest, KnowsItsColumns) {
  EXPECT_EQ(parse_customer_order("").column, "created_at");
  EXPECT_TRUE(parse_customer_order("").descending);
  EXPECT_EQ(parse_customer_order("display_name").column, "display_name");
  EXPECT_FALSE(parse_customer_order("display_name").descending);
  EXPECT_TRUE(parse_customer_order("first_contact_date desc").descending);
  EXPECT_THAT(error_of([] { parse_customer_order("stage"); }), HasSubstr("can order by"));
  EXPECT_THAT(error_of([] { parse_customer_order("create_time sideways"); }), HasSubstr("desc"));
}

TEST(StageNameTest, AcceptsEnumAndShortNames) {
  EXPECT_EQ(parse_stage_name("STAGE_WON"), 4);
  EXPECT_EQ(parse_stage_name("high_intention"), 3);
  EXPECT_EQ(parse_stage_name("nope"), 0);
}

v1::Customer valid_customer() {
  v1::Customer c;
  c.set_display_name("科技有限公司");
  c.set_industry("internet");
  c.set_source("trade_show");
  c.mutable_contact()->set_name("李四");
  c.mutable_contact()->set_phone("13912346789");
  c.set_first_contact_date("2024-02-20");
  c.add_need_tags("data_analysis_tool");
  return c;
}

TEST(CustomerValidationTest, AcceptsTheBriefsTemplateRow) {
  EXPECT_NO_THROW(validate_customer_profile(valid_customer(), "customer", "2024-03-01"));
}

TEST(CustomerValidationTest, NamesTheFieldThatIsWrong) {
  const auto check = [](const std::function<void(v1::Customer&)>& spoil) {
    auto c = valid_customer();
    spoil(c);
    return error_of([&] { validate_customer_profile(c, "customer", "2024-03-01"); });
  };
  EXPECT_THAT(check([](auto& c) { c.clear_display_name(); }),
              HasSubstr("customer.display_name: is required"));
  EXPECT_THAT(check([](auto& c) { c.set_industry("Not A Code"); }), HasSubstr("customer.industry"));
  EXPECT_THAT(check([](auto& c) { c.mutable_contact()->clear_phone(); }),
              HasSubstr("customer.contact: needs at least one"));
  EXPECT_THAT(check([](auto& c) { c.mutable_contact()->set_phone("call me"); }),
              HasSubstr("customer.contact.phone"));
  EXPECT_THAT(check([](auto& c) { c.mutable_contact()->set_email("nope"); }),
              HasSubstr("customer.contact.email"));
  EXPECT_THAT(check([](auto& c) { c.set_first_contact_date("2024-02-30"); }),
              HasSubstr("customer.first_contact_date"));
  EXPECT_THAT(check([](auto& c) { c.set_first_contact_date("2024-03-02"); }),
              HasSubstr("in the future"));
  EXPECT_THAT(check([](auto& c) { c.clear_need_tags(); }), HasSubstr("customer.need_tags"));
  EXPECT_THAT(check([](auto& c) { c.add_need_tags("data_analysis_tool"); }),
              HasSubstr("need_tags[1]: is repeated"));
  EXPECT_THAT(check([](auto& c) { c.set_display_name("bad\x01name"); }),
              HasSubstr("control character"));
  EXPECT_THAT(check([](auto& c) { c.set_display_name("\xC3\x28"); }), HasSubstr("UTF-8"));
  EXPECT_THAT(check([](auto& c) { c.set_display_name(std::string(201, 'x')); }),
              HasSubstr("longer than 200"));
}

TEST(CustomerValidationTest, StoresSqlLookingTextVerbatim) {
  auto c = valid_customer();
  c.set_display_name("'); DROP TABLE customers; --");
  EXPECT_NO_THROW(validate_customer_profile(c, "customer", "2024-03-01"));
}

TEST(CustomerNameTest, ParsesResourceNames) {
  EXPECT_EQ(parse_customer_name("customers/42"), 42U);
  EXPECT_THAT(error_of([] { parse_customer_name("customers/"); }), HasSubstr("name"));
  EXPECT_THAT(error_of([] { parse_customer_name("customers/0"); }), HasSubstr("positive"));
  EXPECT_THAT(error_of([] { parse_customer_name("customers/-1"); }), HasSubstr("positive"));
  EXPECT_THAT(error_of([] { parse_customer_name("users/1"); }), HasSubstr("customers/{id}"));
  EXPECT_THAT(error_of([] { parse_customer_name("customers/99999999999999999999999"); }),
              HasSubstr("customers/{id}"));
}

}  // namespace
}  // namespace salesfollow::customer_service
