// customer-service over real gRPC and a real MariaDB: creating and reading
// customers (validation, masking, byte-exact text), duplicates, updates and
// etags, idempotent retries, stages, transfers, contact reveals, soft delete.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <future>
#include <set>

#include "customer_fixture.h"
#include "salesfollow/common/crypto.h"

namespace salesfollow {
namespace {

using testing::count_rows;
using testing::customer_id;
using testing::CustomerServiceTest;
using ::testing::HasSubstr;
using testing::Identity;
using testing::kAdmin;
using testing::kManager1;
using testing::kManager2;
using testing::kRepA;
using testing::kRepB;
using testing::kRepC;
using ::testing::MatchesRegex;
using testing::next_unique;
using ::testing::StartsWith;
using testing::token_for;
using testing::unique_rep;
using testing::valid_customer;

std::string sql_id(const std::string& name) { return std::to_string(customer_id(name)); }

long long seconds_since_epoch_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ------------------------------------------------------------------ create

TEST_F(CustomerServiceTest, CreateFillsDefaultsAndEveryReadShowsTheContactMasked) {
  auto customer = valid_customer();
  customer.mutable_contact()->set_name("李四");
  customer.mutable_contact()->set_phone("13912346789");
  customer.mutable_contact()->set_email("li@example.com");
  customer.mutable_contact()->set_wechat_id("wx_lisi88");
  customer.add_need_tags("custom_gifts");
  // Fixed contact values: allow the duplicate so the test can run again (--gtest_repeat).
  const auto created =
      api().create(token_for(kRepA), customer, testing::CreateOptions::duplicate_allowed());
  ASSERT_TRUE(created.ok()) << created;

  const auto& c = created.value;
  EXPECT_THAT(c.name(), MatchesRegex("customers/[0-9]+"));
  EXPECT_EQ(c.display_name(), customer.display_name());
  EXPECT_EQ(c.industry(), "manufacturing");
  EXPECT_EQ(c.source(), "trade_show");
  EXPECT_EQ(c.first_contact_date(), "2024-01-15");
  EXPECT_THAT(c.need_tags(), ::testing::UnorderedElementsAre("erp_system", "custom_gifts"));
  EXPECT_EQ(c.need_description(), customer.need_description());
  EXPECT_EQ(c.company_size(), "50-100");
  EXPECT_EQ(c.notes(), customer.notes());
  EXPECT_EQ(c.owner_id(), "rep_a") << "owner defaults to the caller";
  EXPECT_EQ(c.team_id(), "team1");
  EXPECT_EQ(c.creator_id(), "rep_a");
  EXPECT_EQ(c.stage(), v1::STAGE_POTENTIAL);
  EXPECT_FALSE(c.deleted());
  EXPECT_FALSE(c.has_delete_time());
  EXPECT_FALSE(c.etag().empty());
  EXPECT_NEAR(static_cast<double>(c.create_time().seconds()),
              static_cast<double>(seconds_since_epoch_now()), 120.0);
  EXPECT_NEAR(static_cast<double>(c.update_time().seconds()),
              static_cast<double>(c.create_time().seconds()), 1.0);
  EXPECT_NEAR(static_cast<double>(c.stage_time().seconds()),
              static_cast<double>(c.create_time().seconds()), 1.0);

  const auto expect_masked = [](const v1::Customer& read, const std::string& how) {
    SCOPED_TRACE(how);
    EXPECT_EQ(read.contact().name(), "李*");
    EXPECT_EQ(read.contact().title(), "采购经理") << "the title is not masked";
    EXPECT_EQ(read.contact().phone(), "139****6789");
    EXPECT_EQ(read.contact().email(), "l***@example.com");
    EXPECT_EQ(read.contact().wechat_id(), "wx*****88");
    const std::string bytes = read.SerializeAsString();
    for (const std::string clear : {"李四", "13912346789", "li@example.com", "wx_lisi88"}) {
      EXPECT_EQ(bytes.find(clear), std::string::npos) << clear << " in clear";
    }
  };
  expect_masked(c, "CreateCustomer");
  const auto got = api().get(token_for(kRepA), c.name());
  ASSERT_TRUE(got.ok()) << got;
  expect_masked(got.value, "GetCustomer");
  // need_tags is a set: compare it apart from the order.
  auto created_sorted = c;
  auto got_sorted = got.value;
  for (auto* read : {&created_sorted, &got_sorted}) {
    std::sort(read->mutable_need_tags()->begin(), read->mutable_need_tags()->end());
  }
  EXPECT_EQ(testing::proto_diff(created_sorted, got_sorted), "") << "Get differs from Create";

  const auto listed =
      api().list_all(token_for(kRepA), "display_name : \"" + c.display_name() + "\"");
  ASSERT_TRUE(listed.ok()) << listed;
  ASSERT_EQ(listed.value.size(), 1U);
  expect_masked(listed.value[0], "ListCustomers");
  const auto exported =
      api().export_all(token_for(kRepA), "display_name : \"" + c.display_name() + "\"");
  ASSERT_TRUE(exported.ok()) << exported;
  ASSERT_EQ(exported.value.size(), 1U);
  expect_masked(exported.value[0], "ExportCustomers");

  const auto updated = api().update(token_for(kRepA),
                                    [&] {
                                      v1::Customer change;
                                      change.set_name(c.name());
                                      change.set_notes("改了备注");
                                      return change;
                                    }(),
                                    {"notes"});
  ASSERT_TRUE(updated.ok()) << updated;
  expect_masked(updated.value, "UpdateCustomer");
  const auto staged =
      api().change_stage(token_for(kRepA), c.name(), v1::STAGE_INTENTION, "需求明确");
  ASSERT_TRUE(staged.ok()) << staged;
  expect_masked(staged.value.customer(), "ChangeCustomerStage");
  const auto transferred = api().transfer(token_for(kManager1), c.name(), "rep_b", "team1");
  ASSERT_TRUE(transferred.ok()) << transferred;
  expect_masked(transferred.value, "TransferCustomer");
  const auto deleted = api().remove(token_for(kRepB), c.name());
  ASSERT_TRUE(deleted.ok()) << deleted;
  expect_masked(deleted.value, "DeleteCustomer");
  const auto undeleted = api().undelete(token_for(kRepB), c.name());
  ASSERT_TRUE(undeleted.ok()) << undeleted;
  expect_masked(undeleted.value, "UndeleteCustomer");
}

// Masking works on characters: one visible character of a name, then one *
// per remaining character; a WeChat id keeps two characters at each end.
// Values of every length, including ones longer than 15 bytes.
TEST_F(CustomerServiceTest, MaskingCountsCharactersForShortAndLongValues) {
  struct Case {
    std::string name, wechat, masked_name, masked_wechat;
  };
  const std::vector<Case> cases = {
      {"李四", "wx_lisi88", "李*", "wx*****88"},
      {"欧阳娜娜", "wechat_id_long_2024", "欧***", "we***************24"},
      {"司马相如先生", "abcdefghijklmnopqrstuvwxyz", "司*****", "ab**********************yz"},
      {"Alexander Hamilton", "wx_测试用户_长长的微信号", "A*****************", "wx**********信号"},
  };
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.name + " / " + test_case.wechat);
    auto customer = valid_customer();
    customer.mutable_contact()->set_name(test_case.name);
    customer.mutable_contact()->set_wechat_id(test_case.wechat);
    const auto created = api().create(token_for(kRepA), customer);
    ASSERT_TRUE(created.ok()) << created;
    const auto got = api().get(token_for(kRepA), created.value.name());
    ASSERT_TRUE(got.ok()) << got;
    EXPECT_EQ(got.value.contact().name(), test_case.masked_name);
    EXPECT_EQ(got.value.contact().wechat_id(), test_case.masked_wechat);
    const auto revealed = api().reveal(token_for(kRepA), created.value.name());
    ASSERT_TRUE(revealed.ok()) << revealed;
    EXPECT_EQ(revealed.value.contact().name(), test_case.name);
    EXPECT_EQ(revealed.value.contact().wechat_id(), test_case.wechat);
  }
}

TEST_F(CustomerServiceTest, ChineseTextAndEmojiRoundTripByteForByte) {
  const int n = next_unique();
  auto customer = valid_customer();
  // CJK, a 4-byte CJK Extension B character, full-width punctuation, emoji
  // with a skin-tone modifier, newline and tab.
  customer.set_display_name(fmt::format("北京极光𠀀科技有限公司（华北{}）", n));
  customer.set_notes(
      "客户很满意😀👍🏽，需求：定制礼品（100件）\n第二行\t制表符 «引号» "
      "\"双引号\" "
      "'single'");
  customer.set_need_description("定制礼品（100件）🎁");
  customer.set_company_size("50-100人");
  customer.mutable_contact()->set_name(fmt::format("欧阳娜娜{}", n));
  customer.mutable_contact()->set_title("采购经理👩‍💼");
  const auto created = api().create(token_for(kRepA), customer);
  ASSERT_TRUE(created.ok()) << created;

  const auto expect_same_text = [&](const v1::Customer& read, const std::string& how) {
    SCOPED_TRACE(how);
    EXPECT_EQ(read.display_name(), customer.display_name());
    EXPECT_EQ(read.notes(), customer.notes());
    EXPECT_EQ(read.need_description(), customer.need_description());
    EXPECT_EQ(read.company_size(), customer.company_size());
    EXPECT_EQ(read.contact().title(), customer.contact().title());
    // Masking counts characters, not bytes: one visible character, then one * per character.
    EXPECT_EQ(read.contact().name(), "欧" + std::string(std::to_string(n).size() + 3, '*'));
  };
  expect_same_text(created.value, "CreateCustomer");
  const auto got = api().get(token_for(kRepA), created.value.name());
  ASSERT_TRUE(got.ok()) << got;
  expect_same_text(got.value, "GetCustomer");
  const auto found = api().list_all(token_for(kRepA), "display_name : \"极光𠀀科技\"");
  ASSERT_TRUE(found.ok()) << found;
  ASSERT_EQ(found.value.size(), 1U);
  expect_same_text(found.value[0], "ListCustomers with a CJK substring filter");

  const auto revealed = api().reveal(token_for(kRepA), created.value.name());
  ASSERT_TRUE(revealed.ok()) << revealed;
  EXPECT_EQ(revealed.value.contact().name(), customer.contact().name());

  // Stored as utf8mb4 characters, not double-encoded bytes.
  auto sql = testing::root_session(db());
  std::string hex;
  *sql << "SELECT HEX(display_name) FROM customers WHERE id = " + sql_id(created.value.name()),
      soci::into(hex);
  std::string upper_expected = crypto::to_hex(customer.display_name());
  for (auto& ch : upper_expected)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(hex, upper_expected);

  v1::Customer change;
  change.set_name(created.value.name());
  change.set_notes("第二次修改🙂 — 包括破折号与“引号”");
  const auto updated = api().update(token_for(kRepA), change, {"notes"});
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_EQ(updated.value.notes(), change.notes());
  EXPECT_EQ(api().get(token_for(kRepA), created.value.name()).value.notes(), change.notes());
}

TEST_F(CustomerServiceTest, StringsThatLookLikeSqlAreStoredVerbatim) {
  const Identity rep = unique_rep("sql");
  const auto token = token_for(rep);
  auto customer = valid_customer();
  const std::string hostile_name = fmt::format("'); DROP TABLE customers; -- {}", next_unique());
  customer.set_display_name(hostile_name);
  customer.set_notes("Robert'); DROP TABLE students;-- \\' \\\" ` %_ \\\\ /* */ # ;");
  customer.set_need_description("1; DELETE FROM customers WHERE 1=1");
  customer.mutable_contact()->set_title("x' OR '1'='1");
  const auto created = api().create(token, customer);
  ASSERT_TRUE(created.ok()) << created;
  auto percent = valid_customer();
  percent.set_display_name(fmt::format("折扣100%_有限公司{}", next_unique()));
  const auto percent_created = api().create(token, percent);
  ASSERT_TRUE(percent_created.ok()) << percent_created;
  auto plain = valid_customer();
  const auto plain_created = api().create(token, plain);
  ASSERT_TRUE(plain_created.ok()) << plain_created;

  const auto got = api().get(token, created.value.name());
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(got.value.display_name(), customer.display_name());
  EXPECT_EQ(got.value.notes(), customer.notes());
  EXPECT_EQ(got.value.need_description(), customer.need_description());
  EXPECT_EQ(got.value.contact().title(), customer.contact().title());
  EXPECT_GE(count_rows(db(), "SELECT COUNT(*) FROM customers"), 3) << "the table survived";

  // Filter literals are data: quotes stay quotes, % and _ are not wildcards.
  const auto names = [&](const std::string& filter) {
    const auto listed = api().list_all(token, filter);
    EXPECT_TRUE(listed.ok()) << filter << ": " << listed;
    std::set<std::string> result;
    for (const auto& c : listed.value) result.insert(c.name());
    return result;
  };
  EXPECT_EQ(names("display_name : \"'); DROP\""), std::set<std::string>{created.value.name()});
  EXPECT_EQ(names("display_name : \"%\""), std::set<std::string>{percent_created.value.name()});
  EXPECT_EQ(names("display_name : \"_\""), std::set<std::string>{percent_created.value.name()});
  EXPECT_EQ(names("display_name : \"100%_\""), std::set<std::string>{percent_created.value.name()});
  v1::ListCustomersRequest injected;
  injected.set_filter("industry = \"manufacturing' OR '1'='1\"");
  const auto injected_reply = api().list(token, injected);
  EXPECT_TRUE((injected_reply.ok() && injected_reply.value.customers().empty()) ||
              injected_reply.code() == "INVALID_ARGUMENT")
      << injected_reply << " with " << injected_reply.value.customers_size() << " customers";

  v1::Customer change;
  change.set_name(created.value.name());
  change.set_notes("'; UPDATE customers SET owner_id = 'attacker'; --");
  const auto updated = api().update(token, change, {"notes"});
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_EQ(updated.value.notes(), change.notes());
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM customers WHERE owner_id = 'attacker'"), 0);
}

struct InvalidCreateCase {
  std::string label;
  std::function<void(v1::Customer&)> change;
  std::string field;  // the ErrorInfo "field" must start with this
};

TEST_F(CustomerServiceTest, CreateRefusesEachInvalidFieldNamingIt) {
  const std::vector<InvalidCreateCase> cases = {
      {"no display_name", [](v1::Customer& c) { c.set_display_name(""); }, "customer.display_name"},
      {"blank display_name", [](v1::Customer& c) { c.set_display_name("  \t "); },
       "customer.display_name"},
      {"no industry", [](v1::Customer& c) { c.set_industry(""); }, "customer.industry"},
      {"unknown industry", [](v1::Customer& c) { c.set_industry("spaceflight"); },
       "customer.industry"},
      {"no source", [](v1::Customer& c) { c.set_source(""); }, "customer.source"},
      {"unknown source", [](v1::Customer& c) { c.set_source("carrier_pigeon"); },
       "customer.source"},
      {"no contact name", [](v1::Customer& c) { c.mutable_contact()->set_name(""); },
       "customer.contact.name"},
      {"no phone, email or wechat",
       [](v1::Customer& c) {
         c.mutable_contact()->clear_phone();
         c.mutable_contact()->clear_email();
         c.mutable_contact()->clear_wechat_id();
       },
       "customer.contact"},
      {"no contact at all", [](v1::Customer& c) { c.clear_contact(); }, "customer.contact"},
      {"no first_contact_date", [](v1::Customer& c) { c.set_first_contact_date(""); },
       "customer.first_contact_date"},
      {"date with slashes", [](v1::Customer& c) { c.set_first_contact_date("2024/01/15"); },
       "customer.first_contact_date"},
      {"impossible date", [](v1::Customer& c) { c.set_first_contact_date("2024-02-30"); },
       "customer.first_contact_date"},
      {"date in the future",
       [](v1::Customer& c) { c.set_first_contact_date(testing::date_from_today(3)); },
       "customer.first_contact_date"},
      {"no need tags", [](v1::Customer& c) { c.clear_need_tags(); }, "customer.need_tags"},
      {"unknown need tag", [](v1::Customer& c) { c.add_need_tags("time_machine"); },
       "customer.need_tags"},
  };
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.label);
    auto customer = valid_customer();
    test_case.change(customer);
    const auto created = api().create(token_for(kRepA), customer);
    EXPECT_EQ(created.code(), "INVALID_ARGUMENT") << created;
    EXPECT_EQ(created.reason(), "INVALID_FIELD") << created;
    EXPECT_THAT(created.field(), StartsWith(test_case.field)) << created;
    const auto info = testing::error_info(created.status);
    EXPECT_TRUE(info && info->domain() == "salesfollow.v1") << created;
    const auto last_dot = test_case.field.rfind('.');
    EXPECT_THAT(created.status.error_message(), HasSubstr(test_case.field.substr(last_dot + 1)))
        << "the message names the field";
  }
  // None of them was written.
  EXPECT_EQ(count_rows(db(),
                       "SELECT COUNT(*) FROM customers WHERE industry IN "
                       "('spaceflight') OR source = 'carrier_pigeon' OR "
                       "first_contact_date > CURRENT_DATE"),
            0);
}

TEST_F(CustomerServiceTest, ARepCreatesOnlyForThemselvesAManagerForTheirTeam) {
  auto for_b = valid_customer();
  for_b.set_owner_id("rep_b");
  const auto refused = api().create(token_for(kRepA), for_b);
  EXPECT_EQ(refused.code(), "PERMISSION_DENIED") << refused;
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM customers WHERE display_name = '" +
                                 for_b.display_name() + "'"),
            0);

  auto own = valid_customer();
  own.set_owner_id("rep_a");
  const auto allowed = api().create(token_for(kRepA), own);
  ASSERT_TRUE(allowed.ok()) << allowed;
  EXPECT_EQ(allowed.value.owner_id(), "rep_a");

  const auto by_manager = api().create(token_for(kManager1), for_b);
  ASSERT_TRUE(by_manager.ok()) << by_manager;
  EXPECT_EQ(by_manager.value.owner_id(), "rep_b");
  EXPECT_EQ(by_manager.value.team_id(), "team1");
  EXPECT_EQ(by_manager.value.creator_id(), "mgr_1");
  EXPECT_TRUE(api().get(token_for(kRepB), by_manager.value.name()).ok());
}

TEST_F(CustomerServiceTest, InitialStageIsPotentialUnlessGivenAndCreationIsTheFirstStageEvent) {
  const auto potential = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  const auto intention =
      create_ok(kRepA, valid_customer(), testing::CreateOptions::starting_at(v1::STAGE_INTENTION));
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(potential.stage(), v1::STAGE_POTENTIAL);
  EXPECT_EQ(intention.stage(), v1::STAGE_INTENTION);
  const auto events = api().all_stage_events(token_for(kRepA), intention.name());
  ASSERT_TRUE(events.ok()) << events;
  ASSERT_EQ(events.value.size(), 1U);
  EXPECT_EQ(events.value[0].from_stage(), v1::STAGE_UNSPECIFIED);
  EXPECT_EQ(events.value[0].to_stage(), v1::STAGE_INTENTION);
  EXPECT_EQ(events.value[0].actor_id(), "rep_a");
  EXPECT_EQ(events.value[0].owner_id(), "rep_a");
  EXPECT_THAT(events.value[0].name(), StartsWith(intention.name() + "/stageEvents/"));
}

// ------------------------------------------------------------------ duplicates

TEST_F(CustomerServiceTest, SamePhoneInAnotherFormatIsADuplicate) {
  const int n = next_unique() % 10000;
  auto first = valid_customer();
  first.mutable_contact()->set_phone(fmt::format("+86 137-{:04d}-{:04d}", n, n));
  const auto original = create_ok(kRepA, first);
  ASSERT_FALSE(HasFailure());

  for (const auto& variant :
       {fmt::format("137{:04d}{:04d}", n, n), fmt::format("+8613 7{:04d} {:04d}", n, n),
        fmt::format("86137{:04d}{:04d}", n, n)}) {
    SCOPED_TRACE(variant);
    auto second = valid_customer();
    second.mutable_contact()->set_phone(variant);
    // Another rep of another team: duplicates are found across all live customers.
    const auto refused = api().create(token_for(kRepC), second);
    EXPECT_EQ(refused.code(), "ALREADY_EXISTS") << refused;
    EXPECT_EQ(refused.reason(), "DUPLICATE_CUSTOMER") << refused;
    EXPECT_EQ(testing::status_metadata(refused.status, "existing"), original.name()) << refused;
    EXPECT_EQ(testing::status_metadata(refused.status, "matched"), "phone") << refused;
    EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM customers WHERE display_name = '" +
                                   second.display_name() + "'"),
              0);
  }
  auto allowed = valid_customer();
  allowed.mutable_contact()->set_phone(fmt::format("137{:04d}{:04d}", n, n));
  const auto created =
      api().create(token_for(kRepA), allowed, testing::CreateOptions::duplicate_allowed());
  EXPECT_TRUE(created.ok()) << "allow_duplicate: " << created;
}

TEST_F(CustomerServiceTest, SameEmailInAnotherCaseIsADuplicate) {
  const int n = next_unique();
  auto first = valid_customer();
  first.mutable_contact()->set_email(fmt::format("Zhang.Wei{}@Example.COM", n));
  const auto original = create_ok(kRepA, first);
  ASSERT_FALSE(HasFailure());
  auto second = valid_customer();
  second.mutable_contact()->set_email(fmt::format("zhang.wei{}@example.com", n));
  const auto refused = api().create(token_for(kRepA), second);
  EXPECT_EQ(refused.code(), "ALREADY_EXISTS") << refused;
  EXPECT_EQ(refused.reason(), "DUPLICATE_CUSTOMER") << refused;
  EXPECT_EQ(testing::status_metadata(refused.status, "existing"), original.name());
  EXPECT_EQ(testing::status_metadata(refused.status, "matched"), "email");
}

TEST_F(CustomerServiceTest, SameNormalizedNameIsADuplicate) {
  const int n = next_unique();
  auto first = valid_customer();
  // Leading/trailing and repeated spaces, full-width letters.
  first.set_display_name(fmt::format("  ＡＢＣ 星辰  科技{}有限公司 ", n));
  const auto original = create_ok(kRepA, first);
  ASSERT_FALSE(HasFailure());
  for (const auto& variant : {fmt::format("ABC 星辰 科技{}有限公司", n),
                              fmt::format("ABC　星辰　科技{}有限公司", n)}) {  // U+3000 spaces
    SCOPED_TRACE(variant);
    auto second = valid_customer();
    second.set_display_name(variant);
    const auto refused = api().create(token_for(kRepB), second);
    EXPECT_EQ(refused.code(), "ALREADY_EXISTS") << refused;
    EXPECT_EQ(refused.reason(), "DUPLICATE_CUSTOMER") << refused;
    EXPECT_EQ(testing::status_metadata(refused.status, "existing"), original.name());
    EXPECT_EQ(testing::status_metadata(refused.status, "matched"), "name");
  }
  auto different = valid_customer();
  different.set_display_name(fmt::format("ABC 星辰 科技{}有限公司分公司", n));
  EXPECT_TRUE(api().create(token_for(kRepA), different).ok()) << "a longer name is not a duplicate";
}

TEST_F(CustomerServiceTest, ADeletedCustomerDoesNotBlockANewOneWithItsValues) {
  const auto customer = valid_customer();
  const auto original = create_ok(kRepA, customer);
  ASSERT_FALSE(HasFailure());
  const auto blocked = api().create(token_for(kRepA), customer);
  ASSERT_EQ(blocked.code(), "ALREADY_EXISTS") << "while it is live: " << blocked;
  const auto deleted = api().remove(token_for(kRepA), original.name());
  ASSERT_TRUE(deleted.ok()) << deleted;
  const auto& again = customer;  // same name, phone, email
  const auto created = api().create(token_for(kRepA), again);
  EXPECT_TRUE(created.ok()) << created;
}

TEST_F(CustomerServiceTest, ConcurrentCreatesOfTheSamePhoneMakeOneCustomer) {
  const std::string phone = fmt::format("136{:08d}", next_unique());
  std::vector<std::string> display_names;
  std::vector<std::future<testing::Reply<v1::Customer>>> calls;
  for (int i = 0; i < 6; ++i) {
    auto customer = valid_customer();
    customer.mutable_contact()->set_phone(phone);
    display_names.push_back("'" + customer.display_name() + "'");
    calls.push_back(std::async(
        std::launch::async, [this, customer] { return api().create(token_for(kRepA), customer); }));
  }
  int created = 0;
  for (auto& call : calls) {
    const auto reply = call.get();
    if (reply.ok()) ++created;
    EXPECT_TRUE(reply.ok() || reply.code() == "ALREADY_EXISTS" || reply.code() == "ABORTED")
        << reply;
  }
  EXPECT_EQ(created, 1) << "concurrent creates with one phone made " << created << " customers";
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM customers WHERE display_name IN (" +
                                 fmt::format("{}", fmt::join(display_names, ",")) + ")"),
            1);
}

// ------------------------------------------------------------------ update

v1::Customer change_of(const std::string& name) {
  v1::Customer change;
  change.set_name(name);
  return change;
}

TEST_F(CustomerServiceTest, UpdateWritesOnlyTheMaskedPaths) {
  const auto original = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  auto change = change_of(original.name());
  change.set_notes("只改备注");
  change.set_display_name("这个名字不应写入");
  change.set_industry("finance");
  const auto updated = api().update(token_for(kRepA), change, {"notes"});
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_EQ(updated.value.notes(), "只改备注");
  EXPECT_EQ(updated.value.display_name(), original.display_name());
  EXPECT_EQ(updated.value.industry(), original.industry());
  EXPECT_EQ(updated.value.create_time().seconds(), original.create_time().seconds());
  EXPECT_TRUE(updated.value.update_time().seconds() > original.update_time().seconds() ||
              (updated.value.update_time().seconds() == original.update_time().seconds() &&
               updated.value.update_time().nanos() > original.update_time().nanos()))
      << "update_time advances";
  EXPECT_EQ(updated.value.stage_time().seconds(), original.stage_time().seconds());

  auto more = change_of(original.name());
  more.set_display_name(original.display_name() + "（新）");
  more.set_industry("finance");
  more.set_source("referral");
  more.set_first_contact_date("2023-12-01");
  more.add_need_tags("consulting");
  more.add_need_tags("crm_system");
  more.set_need_description("咨询");
  more.set_company_size("500+");
  const auto second = api().update(token_for(kRepA), more,
                                   {"display_name", "industry", "source", "first_contact_date",
                                    "need_tags", "need_description", "company_size"});
  ASSERT_TRUE(second.ok()) << second;
  const auto got = api().get(token_for(kRepA), original.name());
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(got.value.display_name(), more.display_name());
  EXPECT_EQ(got.value.industry(), "finance");
  EXPECT_EQ(got.value.source(), "referral");
  EXPECT_EQ(got.value.first_contact_date(), "2023-12-01");
  EXPECT_THAT(got.value.need_tags(), ::testing::UnorderedElementsAre("consulting", "crm_system"));
  EXPECT_EQ(got.value.need_description(), "咨询");
  EXPECT_EQ(got.value.company_size(), "500+");
  EXPECT_EQ(got.value.notes(), "只改备注");
}

TEST_F(CustomerServiceTest, UpdatingAContactFieldReEncryptsMasksAndReindexesIt) {
  auto customer = valid_customer();
  const std::string old_phone = customer.contact().phone();
  const auto original = create_ok(kRepA, customer);
  ASSERT_FALSE(HasFailure());
  const int n = next_unique();
  const std::string new_phone = fmt::format("135{:08d}", n);
  auto change = change_of(original.name());
  change.mutable_contact()->set_phone(new_phone);
  change.mutable_contact()->set_name("不应写入");
  const auto updated = api().update(token_for(kRepA), change, {"contact.phone"});
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_EQ(updated.value.contact().phone(), "135****" + new_phone.substr(7));

  const auto revealed = api().reveal(token_for(kRepA), original.name());
  ASSERT_TRUE(revealed.ok()) << revealed;
  EXPECT_EQ(revealed.value.contact().phone(), new_phone);
  EXPECT_EQ(revealed.value.contact().name(), customer.contact().name());
  EXPECT_EQ(revealed.value.contact().email(), customer.contact().email());

  // The duplicate check follows the new phone, and the old one is free again.
  auto with_new = valid_customer();
  with_new.mutable_contact()->set_phone(new_phone);
  const auto refused = api().create(token_for(kRepB), with_new);
  EXPECT_EQ(refused.code(), "ALREADY_EXISTS") << refused;
  EXPECT_EQ(testing::status_metadata(refused.status, "existing"), original.name());
  auto with_old = valid_customer();
  with_old.mutable_contact()->set_phone(old_phone);
  EXPECT_TRUE(api().create(token_for(kRepB), with_old).ok()) << "the old phone is no longer taken";

  // "contact" replaces the whole contact.
  auto whole = change_of(original.name());
  whole.mutable_contact()->set_name(fmt::format("新联系人{}", n));
  whole.mutable_contact()->set_wechat_id(fmt::format("wx_new_contact_{}", n));
  const auto replaced = api().update(token_for(kRepA), whole, {"contact"});
  ASSERT_TRUE(replaced.ok()) << replaced;
  const auto after = api().reveal(token_for(kRepA), original.name());
  ASSERT_TRUE(after.ok()) << after;
  EXPECT_EQ(after.value.contact().name(), whole.contact().name());
  EXPECT_EQ(after.value.contact().wechat_id(), whole.contact().wechat_id());
  EXPECT_EQ(after.value.contact().phone(), "");
  EXPECT_EQ(after.value.contact().email(), "");
  EXPECT_EQ(after.value.contact().title(), "");
}

TEST_F(CustomerServiceTest, UpdateRefusesAMissingMaskAndEveryPathThatIsNotWritable) {
  const auto original = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  auto change = change_of(original.name());
  change.set_notes("x");
  const auto no_mask = api().update(token_for(kRepA), change, {});
  EXPECT_EQ(no_mask.code(), "INVALID_ARGUMENT") << no_mask;
  EXPECT_THAT(no_mask.status.error_message(), HasSubstr("update_mask"));

  for (const std::string path :
       {"stage", "owner_id", "team_id", "name", "create_time", "update_time", "stage_time",
        "delete_time", "deleted", "etag", "creator_id", "no_such_field", "contact.fax"}) {
    SCOPED_TRACE(path);
    const auto refused = api().update(token_for(kRepA), change, {"notes", path});
    EXPECT_EQ(refused.code(), "INVALID_ARGUMENT") << refused;
    EXPECT_THAT(refused.status.error_message(), HasSubstr(path)) << "the message names the path";
  }
  const auto got = api().get(token_for(kRepA), original.name());
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(got.value.etag(), original.etag()) << "a refused update wrote something";
  EXPECT_EQ(got.value.notes(), original.notes());
}

TEST_F(CustomerServiceTest, UpdateValidatesTheValuesItWrites) {
  const auto original = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  struct Case {
    std::string label;
    std::function<void(v1::Customer&)> change;
    std::vector<std::string> paths;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"empty display_name",
       [](v1::Customer& c) { c.set_display_name(""); },
       {"display_name"},
       "customer.display_name"},
      {"unknown industry",
       [](v1::Customer& c) { c.set_industry("spaceflight"); },
       {"industry"},
       "customer.industry"},
      {"unknown source",
       [](v1::Customer& c) { c.set_source("nope"); },
       {"source"},
       "customer.source"},
      {"future date",
       [](v1::Customer& c) { c.set_first_contact_date(testing::date_from_today(3)); },
       {"first_contact_date"},
       "customer.first_contact_date"},
      {"no need tags", [](v1::Customer&) {}, {"need_tags"}, "customer.need_tags"},
      {"unknown need tag",
       [](v1::Customer& c) { c.add_need_tags("time_machine"); },
       {"need_tags"},
       "customer.need_tags"},
      {"empty contact name", [](v1::Customer&) {}, {"contact.name"}, "customer.contact.name"},
      {"no channel left",
       [](v1::Customer&) {},
       {"contact.phone", "contact.email", "contact.wechat_id"},
       "customer.contact"},
  };
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.label);
    auto change = change_of(original.name());
    test_case.change(change);
    const auto refused = api().update(token_for(kRepA), change, test_case.paths);
    EXPECT_EQ(refused.code(), "INVALID_ARGUMENT") << refused;
    EXPECT_EQ(refused.reason(), "INVALID_FIELD") << refused;
    EXPECT_THAT(refused.field(), StartsWith(test_case.field)) << refused;
  }
  const auto got = api().get(token_for(kRepA), original.name());
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(got.value.etag(), original.etag()) << "a refused update wrote something";
}

// ------------------------------------------------------------------ etags

TEST_F(CustomerServiceTest, TheSecondOfTwoWritersWithTheSameEtagIsAborted) {
  const auto original = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  const auto seen_by_rep = api().get(token_for(kRepA), original.name());
  const auto seen_by_manager = api().get(token_for(kManager1), original.name());
  ASSERT_TRUE(seen_by_rep.ok() && seen_by_manager.ok());
  ASSERT_EQ(seen_by_rep.value.etag(), seen_by_manager.value.etag());

  auto first = change_of(original.name());
  first.set_etag(seen_by_rep.value.etag());
  first.set_notes("rep 的修改");
  const auto first_write = api().update(token_for(kRepA), first, {"notes"});
  ASSERT_TRUE(first_write.ok()) << first_write;
  EXPECT_NE(first_write.value.etag(), seen_by_rep.value.etag()) << "the etag changes on write";

  auto second = change_of(original.name());
  second.set_etag(seen_by_manager.value.etag());
  second.set_notes("经理的修改");
  const auto second_write = api().update(token_for(kManager1), second, {"notes"});
  EXPECT_EQ(second_write.code(), "ABORTED") << second_write;
  EXPECT_EQ(second_write.reason(), "ETAG_MISMATCH") << second_write;

  const auto now = api().get(token_for(kManager1), original.name());
  ASSERT_TRUE(now.ok()) << now;
  EXPECT_EQ(now.value.notes(), "rep 的修改");
  EXPECT_EQ(now.value.etag(), first_write.value.etag());

  // Read again, retry: accepted.
  second.set_etag(now.value.etag());
  const auto retried = api().update(token_for(kManager1), second, {"notes"});
  EXPECT_TRUE(retried.ok()) << retried;
}

TEST_F(CustomerServiceTest, EveryConditionalWriteRefusesAStaleEtag) {
  const auto original = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  auto change = change_of(original.name());
  change.set_notes("先改一次");
  const auto moved_on = api().update(token_for(kRepA), change, {"notes"});
  ASSERT_TRUE(moved_on.ok()) << moved_on;
  const std::string stale = original.etag();

  const auto deleted = api().remove(token_for(kRepA), original.name(), stale);
  EXPECT_EQ(deleted.code(), "ABORTED") << "DeleteCustomer: " << deleted;
  v1::ChangeCustomerStageRequest stage;
  stage.set_name(original.name());
  stage.set_stage(v1::STAGE_INTENTION);
  stage.set_reason("需求明确");
  stage.set_etag(stale);
  const auto staged = api().change_stage(token_for(kRepA), stage);
  EXPECT_EQ(staged.code(), "ABORTED") << "ChangeCustomerStage: " << staged;
  v1::TransferCustomerRequest transfer;
  transfer.set_name(original.name());
  transfer.set_new_owner_id("rep_b");
  transfer.set_new_team_id("team1");
  transfer.set_reason("调整");
  transfer.set_etag(stale);
  const auto transferred = api().transfer(token_for(kManager1), transfer);
  EXPECT_EQ(transferred.code(), "ABORTED") << "TransferCustomer: " << transferred;
  for (const auto* reply : {&deleted.status, &staged.status, &transferred.status}) {
    EXPECT_EQ(testing::status_reason(*reply), "ETAG_MISMATCH");
  }

  const auto got = api().get(token_for(kRepA), original.name());
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_FALSE(got.value.deleted());
  EXPECT_EQ(got.value.stage(), v1::STAGE_POTENTIAL);
  EXPECT_EQ(got.value.owner_id(), "rep_a");
  EXPECT_EQ(got.value.etag(), moved_on.value.etag());

  // With the current etag each of them goes through.
  stage.set_etag(got.value.etag());
  const auto staged_now = api().change_stage(token_for(kRepA), stage);
  ASSERT_TRUE(staged_now.ok()) << staged_now;
  transfer.set_etag(staged_now.value.customer().etag());
  const auto transferred_now = api().transfer(token_for(kManager1), transfer);
  ASSERT_TRUE(transferred_now.ok()) << transferred_now;
  const auto deleted_now =
      api().remove(token_for(kRepB), original.name(), transferred_now.value.etag());
  EXPECT_TRUE(deleted_now.ok()) << deleted_now;
}

TEST_F(CustomerServiceTest, TheEtagChangesOnEveryWriteAndReadsReturnTheCurrentOne) {
  const auto original = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  std::vector<std::pair<std::string, std::string>> etags = {{"create", original.etag()}};
  const auto check = [&](const std::string& what, const std::string& etag) {
    const auto got = api().get(token_for(kAdmin), original.name());
    ASSERT_TRUE(got.ok()) << got;
    EXPECT_EQ(got.value.etag(), etag) << "Get after " << what;
    etags.emplace_back(what, etag);
  };
  auto change = change_of(original.name());
  change.set_notes("一");
  const auto updated = api().update(token_for(kRepA), change, {"notes"});
  ASSERT_TRUE(updated.ok()) << updated;
  check("update", updated.value.etag());
  const auto staged =
      api().change_stage(token_for(kRepA), original.name(), v1::STAGE_INTENTION, "需求明确");
  ASSERT_TRUE(staged.ok()) << staged;
  check("change stage", staged.value.customer().etag());
  const auto transferred = api().transfer(token_for(kManager1), original.name(), "rep_b", "team1");
  ASSERT_TRUE(transferred.ok()) << transferred;
  check("transfer", transferred.value.etag());
  const auto deleted = api().remove(token_for(kRepB), original.name());
  ASSERT_TRUE(deleted.ok()) << deleted;
  check("delete", deleted.value.etag());
  const auto undeleted = api().undelete(token_for(kRepB), original.name());
  ASSERT_TRUE(undeleted.ok()) << undeleted;
  check("undelete", undeleted.value.etag());
  std::set<std::string> distinct;
  for (const auto& [what, etag] : etags) {
    EXPECT_TRUE(distinct.insert(etag).second)
        << "the etag after " << what << " repeats an earlier one";
  }
}

TEST_F(CustomerServiceTest, ConcurrentWritersWithTheSameEtagExactlyOneWins) {
  const auto original = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  std::string etag = original.etag();
  for (int round = 0; round < 4; ++round) {
    std::vector<std::future<testing::Reply<v1::Customer>>> writers;
    for (int i = 0; i < 8; ++i) {
      auto change = change_of(original.name());
      change.set_etag(etag);
      change.set_notes(fmt::format("round {} writer {}", round, i));
      writers.push_back(std::async(std::launch::async, [this, change] {
        return api().update(token_for(kRepA), change, {"notes"});
      }));
    }
    int won = 0;
    std::string winner_notes;
    std::string winner_etag;
    for (auto& writer : writers) {
      const auto reply = writer.get();
      if (reply.ok()) {
        ++won;
        winner_notes = reply.value.notes();
        winner_etag = reply.value.etag();
      } else {
        EXPECT_EQ(reply.code(), "ABORTED") << reply;
      }
    }
    EXPECT_EQ(won, 1) << "round " << round << ": " << won << " writers with one etag succeeded";
    const auto got = api().get(token_for(kRepA), original.name());
    ASSERT_TRUE(got.ok()) << got;
    if (won == 1) {
      EXPECT_EQ(got.value.notes(), winner_notes);
      EXPECT_EQ(got.value.etag(), winner_etag);
    }
    etag = got.value.etag();
  }
}

// ------------------------------------------------------------------ request_id

TEST_F(CustomerServiceTest, ARetriedCreateReturnsTheFirstAnswerAndWritesOnce) {
  const auto customer = valid_customer();
  const std::string request_id = fmt::format("create-{}-{}", next_unique(), ::getpid());
  const auto first =
      api().create(token_for(kRepA), customer, testing::CreateOptions::with_request_id(request_id));
  ASSERT_TRUE(first.ok()) << first;
  // The answer was "lost": the client sends the same request again.
  const auto retry =
      api().create(token_for(kRepA), customer, testing::CreateOptions::with_request_id(request_id));
  ASSERT_TRUE(retry.ok()) << "a retry must not be refused as a duplicate: " << retry;
  EXPECT_EQ(retry.value.name(), first.value.name());
  EXPECT_EQ(testing::proto_diff(first.value, retry.value), "");
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM customers WHERE display_name = '" +
                                 customer.display_name() + "'"),
            1);
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM stage_events WHERE customer_id = " +
                                 sql_id(first.value.name())),
            1);

  auto different = customer;
  different.set_notes("另一个请求");
  const auto reused = api().create(token_for(kRepA), different,
                                   testing::CreateOptions::with_request_id(request_id));
  EXPECT_EQ(reused.code(), "INVALID_ARGUMENT") << "same request_id, different request: " << reused;

  const auto too_long =
      api().create(token_for(kRepA), valid_customer(),
                   testing::CreateOptions::with_request_id(std::string(200, 'x')));
  EXPECT_EQ(too_long.code(), "INVALID_ARGUMENT") << too_long;
}

TEST_F(CustomerServiceTest, ConcurrentRetriesOfOneCreateMakeOneCustomer) {
  const auto customer = valid_customer();
  const std::string request_id = fmt::format("concurrent-{}-{}", next_unique(), ::getpid());
  std::vector<std::future<testing::Reply<v1::Customer>>> calls;
  for (int i = 0; i < 6; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      return api().create(token_for(kRepA), customer,
                          testing::CreateOptions::with_request_id(request_id));
    }));
  }
  std::set<std::string> names;
  for (auto& call : calls) {
    const auto reply = call.get();
    // ABORTED is allowed (safe to retry) but never a second customer.
    if (reply.ok()) {
      names.insert(reply.value.name());
    } else {
      EXPECT_EQ(reply.code(), "ABORTED") << reply;
    }
  }
  EXPECT_EQ(names.size(), 1U);
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM customers WHERE display_name = '" +
                                 customer.display_name() + "'"),
            1);
}

TEST_F(CustomerServiceTest, ARetriedStageChangeOrTransferReturnsTheFirstAnswerAndWritesOnce) {
  const auto original = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  v1::ChangeCustomerStageRequest stage;
  stage.set_name(original.name());
  stage.set_stage(v1::STAGE_INTENTION);
  stage.set_reason("客户认可方案");
  stage.set_request_id(fmt::format("stage-{}-{}", next_unique(), ::getpid()));
  const auto first = api().change_stage(token_for(kRepA), stage);
  ASSERT_TRUE(first.ok()) << first;
  const auto retry = api().change_stage(token_for(kRepA), stage);
  ASSERT_TRUE(retry.ok()) << "a retry must not be refused as SAME_STAGE: " << retry;
  EXPECT_EQ(retry.value.event().name(), first.value.event().name());
  EXPECT_EQ(testing::proto_diff(first.value, retry.value), "");
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM stage_events WHERE customer_id = " +
                                 sql_id(original.name())),
            2);
  stage.set_reason("换了理由");
  const auto reused = api().change_stage(token_for(kRepA), stage);
  EXPECT_EQ(reused.code(), "INVALID_ARGUMENT") << reused;

  v1::TransferCustomerRequest transfer;
  transfer.set_name(original.name());
  transfer.set_new_owner_id("rep_b");
  transfer.set_new_team_id("team1");
  transfer.set_reason("rep_a 休假");
  transfer.set_request_id(fmt::format("transfer-{}-{}", next_unique(), ::getpid()));
  const auto moved = api().transfer(token_for(kManager1), transfer);
  ASSERT_TRUE(moved.ok()) << moved;
  const auto moved_again = api().transfer(token_for(kManager1), transfer);
  ASSERT_TRUE(moved_again.ok()) << "a retry must not be refused as SAME_OWNER: " << moved_again;
  EXPECT_EQ(testing::proto_diff(moved.value, moved_again.value), "");
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM owner_events WHERE customer_id = " +
                                 sql_id(original.name())),
            2);
}

// ------------------------------------------------------------------ stages

TEST_F(CustomerServiceTest, StagesMoveWithReasonsLostNeedsALossReasonAndWonOrLostReopen) {
  const auto customer = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  const auto token = token_for(kRepA);
  const auto& name = customer.name();

  const auto no_reason = api().change_stage(token, name, v1::STAGE_INTENTION, "");
  EXPECT_EQ(no_reason.code(), "INVALID_ARGUMENT") << no_reason;
  EXPECT_THAT(no_reason.field(), HasSubstr("reason")) << no_reason;
  const auto unspecified = api().change_stage(token, name, v1::STAGE_UNSPECIFIED, "?");
  EXPECT_EQ(unspecified.code(), "INVALID_ARGUMENT") << unspecified;
  const auto out_of_range = api().change_stage(token, name, static_cast<v1::Stage>(42), "?");
  EXPECT_EQ(out_of_range.code(), "INVALID_ARGUMENT") << out_of_range;
  const auto same = api().change_stage(token, name, v1::STAGE_POTENTIAL, "还是潜在");
  EXPECT_EQ(same.code(), "FAILED_PRECONDITION") << same;
  EXPECT_EQ(same.reason(), "SAME_STAGE") << same;

  const auto intention = api().change_stage(token, name, v1::STAGE_INTENTION, "需求明确，比较方案");
  ASSERT_TRUE(intention.ok()) << intention;
  EXPECT_EQ(intention.value.customer().stage(), v1::STAGE_INTENTION);
  EXPECT_EQ(intention.value.event().from_stage(), v1::STAGE_POTENTIAL);
  EXPECT_EQ(intention.value.event().to_stage(), v1::STAGE_INTENTION);
  EXPECT_EQ(intention.value.event().reason(), "需求明确，比较方案");
  EXPECT_EQ(intention.value.event().actor_id(), "rep_a");
  EXPECT_EQ(intention.value.event().owner_id(), "rep_a");
  EXPECT_EQ(intention.value.customer().stage_time().seconds(),
            intention.value.event().event_time().seconds());

  const auto lost_without = api().change_stage(token, name, v1::STAGE_LOST, "客户拒绝");
  EXPECT_EQ(lost_without.code(), "INVALID_ARGUMENT") << lost_without;
  EXPECT_THAT(lost_without.field(), HasSubstr("loss_reason")) << lost_without;
  const auto lost_unknown = api().change_stage(token, name, v1::STAGE_LOST, "客户拒绝", "bad_luck");
  EXPECT_EQ(lost_unknown.code(), "INVALID_ARGUMENT") << lost_unknown;
  EXPECT_THAT(lost_unknown.field(), HasSubstr("loss_reason")) << lost_unknown;

  v1::ChangeCustomerStageRequest lose;
  lose.set_name(name);
  lose.set_stage(v1::STAGE_LOST);
  lose.set_reason("客户明确拒绝");
  lose.set_loss_reason("price_too_high");
  lose.set_loss_note("比竞品贵20%");
  const auto lost = api().change_stage(token, lose);
  ASSERT_TRUE(lost.ok()) << lost;
  EXPECT_EQ(lost.value.customer().stage(), v1::STAGE_LOST);
  EXPECT_EQ(lost.value.event().loss_reason(), "price_too_high");
  EXPECT_EQ(lost.value.event().loss_note(), "比竞品贵20%");

  const auto lost_again = api().change_stage(token, name, v1::STAGE_LOST, "再次", "no_response");
  EXPECT_EQ(lost_again.reason(), "SAME_STAGE") << lost_again;
  const auto reopen_without_reason = api().change_stage(token, name, v1::STAGE_INTENTION, "");
  EXPECT_EQ(reopen_without_reason.code(), "INVALID_ARGUMENT") << reopen_without_reason;
  const auto reopened = api().change_stage(token, name, v1::STAGE_INTENTION, "客户回来重新询价");
  ASSERT_TRUE(reopened.ok()) << "reopen lost -> intention: " << reopened;
  EXPECT_EQ(reopened.value.event().from_stage(), v1::STAGE_LOST);
  const auto high = api().change_stage(token, name, v1::STAGE_HIGH_INTENTION, "接受方案，谈价格");
  ASSERT_TRUE(high.ok()) << high;
  const auto won = api().change_stage(token, name, v1::STAGE_WON, "合同签订，款项到账");
  ASSERT_TRUE(won.ok()) << won;
  const auto won_reopened = api().change_stage(token, name, v1::STAGE_POTENTIAL, "合同取消");
  ASSERT_TRUE(won_reopened.ok()) << "reopen won -> potential: " << won_reopened;

  const auto events = api().all_stage_events(token, name);
  ASSERT_TRUE(events.ok()) << events;
  std::vector<std::pair<v1::Stage, v1::Stage>> moves;
  for (const auto& event : events.value) moves.emplace_back(event.from_stage(), event.to_stage());
  const std::vector<std::pair<v1::Stage, v1::Stage>> expected = {
      {v1::STAGE_UNSPECIFIED, v1::STAGE_POTENTIAL},
      {v1::STAGE_POTENTIAL, v1::STAGE_INTENTION},
      {v1::STAGE_INTENTION, v1::STAGE_LOST},
      {v1::STAGE_LOST, v1::STAGE_INTENTION},
      {v1::STAGE_INTENTION, v1::STAGE_HIGH_INTENTION},
      {v1::STAGE_HIGH_INTENTION, v1::STAGE_WON},
      {v1::STAGE_WON, v1::STAGE_POTENTIAL}};
  EXPECT_EQ(moves, expected) << "oldest first, creation first";
  for (std::size_t i = 1; i < events.value.size(); ++i) {
    const auto& a = events.value[i - 1].event_time();
    const auto& b = events.value[i].event_time();
    EXPECT_TRUE(a.seconds() < b.seconds() || (a.seconds() == b.seconds() && a.nanos() <= b.nanos()))
        << "event " << i << " is older than event " << i - 1;
  }
  EXPECT_EQ(
      count_rows(db(), "SELECT COUNT(*) FROM stage_events WHERE customer_id = " + sql_id(name)), 7);

  // Paging through the history gives the same events in the same order.
  std::vector<std::string> paged;
  std::string page_token;
  for (int page = 0; page < 10; ++page) {
    const auto reply = api().list_stage_events(token, name, 2, page_token);
    ASSERT_TRUE(reply.ok()) << reply;
    EXPECT_LE(reply.value.stage_events_size(), 2);
    for (const auto& event : reply.value.stage_events()) paged.push_back(event.name());
    page_token = reply.value.next_page_token();
    if (page_token.empty()) break;
  }
  std::vector<std::string> all;
  for (const auto& event : events.value) all.push_back(event.name());
  EXPECT_EQ(paged, all);
  const auto negative = api().list_stage_events(token, name, -1);
  EXPECT_EQ(negative.code(), "INVALID_ARGUMENT") << negative;
}

TEST_F(CustomerServiceTest, TheStageOfADeletedCustomerCannotChange) {
  const auto customer = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(api().remove(token_for(kRepA), customer.name()).ok());
  const auto refused =
      api().change_stage(token_for(kRepA), customer.name(), v1::STAGE_INTENTION, "需求明确");
  EXPECT_EQ(refused.code(), "FAILED_PRECONDITION") << refused;
  EXPECT_EQ(refused.reason(), "CUSTOMER_DELETED") << refused;
}

// ------------------------------------------------------------------ transfer

TEST_F(CustomerServiceTest, ManagersTransferWithinTheirTeamAdminsAnywhereAndHistoryIsKept) {
  const auto customer = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  const auto& name = customer.name();

  const auto by_rep = api().transfer(token_for(kRepA), name, "rep_b", "team1");
  EXPECT_EQ(by_rep.code(), "PERMISSION_DENIED") << by_rep;
  const auto no_owner = api().transfer(token_for(kManager1), name, "", "team1");
  EXPECT_EQ(no_owner.code(), "INVALID_ARGUMENT") << no_owner;
  const auto same_owner = api().transfer(token_for(kManager1), name, "rep_a", "team1");
  EXPECT_EQ(same_owner.code(), "FAILED_PRECONDITION") << same_owner;
  EXPECT_EQ(same_owner.reason(), "SAME_OWNER") << same_owner;
  const auto out_of_team = api().transfer(token_for(kManager1), name, "rep_c", "team2");
  EXPECT_EQ(out_of_team.code(), "PERMISSION_DENIED")
      << "a manager moving a customer out of the team: " << out_of_team;

  // The team defaults to the manager's.
  const auto moved = api().transfer(token_for(kManager1), name, "rep_b", "", "rep_a 离职");
  ASSERT_TRUE(moved.ok()) << moved;
  EXPECT_EQ(moved.value.owner_id(), "rep_b");
  EXPECT_EQ(moved.value.team_id(), "team1");
  EXPECT_EQ(moved.value.creator_id(), "rep_a") << "the creator stays";
  EXPECT_EQ(api().get(token_for(kRepA), name).code(), "PERMISSION_DENIED")
      << "the old owner no longer sees it";
  EXPECT_TRUE(api().get(token_for(kRepB), name).ok()) << "the new owner sees it";
  const auto staged = api().change_stage(token_for(kRepB), name, v1::STAGE_INTENTION, "接手后跟进");
  ASSERT_TRUE(staged.ok()) << staged;
  EXPECT_EQ(staged.value.event().owner_id(), "rep_b");

  const auto to_other_team = api().transfer(token_for(kAdmin), name, "rep_c", "team2", "区域调整");
  ASSERT_TRUE(to_other_team.ok()) << to_other_team;
  EXPECT_EQ(to_other_team.value.team_id(), "team2");
  EXPECT_EQ(api().get(token_for(kManager1), name).code(), "PERMISSION_DENIED");
  EXPECT_TRUE(api().get(token_for(kManager2), name).ok());

  auto sql = testing::root_session(db());
  soci::rowset<soci::row> rows =
      (sql->prepare << "SELECT COALESCE(from_owner, '-'), to_owner, COALESCE(from_team, '-'), "
                       "to_team, reason, actor_id FROM owner_events WHERE customer_id = " +
                           sql_id(name) + " ORDER BY id");
  std::vector<std::string> history;
  for (const auto& row : rows) {
    history.push_back(fmt::format("{}->{} {}->{} '{}' by {}", row.get<std::string>(0),
                                  row.get<std::string>(1), row.get<std::string>(2),
                                  row.get<std::string>(3), row.get<std::string>(4),
                                  row.get<std::string>(5)));
  }
  EXPECT_THAT(history, ::testing::ElementsAre(StartsWith("-->rep_a -->team1"),
                                              "rep_a->rep_b team1->team1 'rep_a 离职' by mgr_1",
                                              "rep_b->rep_c team1->team2 '区域调整' by admin_1"));
}

TEST_F(CustomerServiceTest, ADeletedCustomerCannotBeUpdatedOrTransferred) {
  const auto customer = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(api().remove(token_for(kRepA), customer.name()).ok());
  auto change = change_of(customer.name());
  change.set_notes("x");
  const auto updated = api().update(token_for(kRepA), change, {"notes"});
  EXPECT_EQ(updated.code(), "FAILED_PRECONDITION") << updated;
  EXPECT_EQ(updated.reason(), "CUSTOMER_DELETED") << updated;
  const auto transferred = api().transfer(token_for(kManager1), customer.name(), "rep_b", "team1");
  EXPECT_EQ(transferred.code(), "FAILED_PRECONDITION") << transferred;
  EXPECT_EQ(transferred.reason(), "CUSTOMER_DELETED") << transferred;
  const auto deleted_again = api().remove(token_for(kRepA), customer.name());
  EXPECT_EQ(deleted_again.code(), "FAILED_PRECONDITION") << deleted_again;
  EXPECT_EQ(deleted_again.reason(), "CUSTOMER_DELETED") << deleted_again;
}

// ------------------------------------------------------------------ reveal

TEST_F(CustomerServiceTest, RevealReturnsTheClearContactAndAuditsEveryReveal) {
  const auto customer = valid_customer();
  const auto created = create_ok(kRepA, customer);
  ASSERT_FALSE(HasFailure());
  const std::string where = "FROM contact_reveals WHERE customer_id = " + sql_id(created.name());

  const auto no_purpose = api().reveal(token_for(kRepA), created.name(), "");
  EXPECT_EQ(no_purpose.code(), "INVALID_ARGUMENT") << no_purpose;
  EXPECT_THAT(no_purpose.field(), HasSubstr("purpose")) << no_purpose;
  const auto outsider = api().reveal(token_for(kRepB), created.name(), "想看看");
  EXPECT_EQ(outsider.code(), "PERMISSION_DENIED") << outsider;
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) " + where), 0)
      << "refused reveals are not audited as reveals";

  const auto revealed = api().reveal(token_for(kRepA), created.name(), "回电确认报价");
  ASSERT_TRUE(revealed.ok()) << revealed;
  EXPECT_EQ(revealed.value.contact().name(), customer.contact().name());
  EXPECT_EQ(revealed.value.contact().title(), customer.contact().title());
  EXPECT_EQ(revealed.value.contact().phone(), customer.contact().phone());
  EXPECT_EQ(revealed.value.contact().email(), customer.contact().email());
  EXPECT_EQ(revealed.value.contact().wechat_id(), customer.contact().wechat_id());
  const auto by_manager = api().reveal(token_for(kManager1), created.name(), "核对客户信息");
  ASSERT_TRUE(by_manager.ok()) << by_manager;

  auto sql = testing::root_session(db());
  soci::rowset<soci::row> rows =
      (sql->prepare << "SELECT actor_id, actor_role, purpose, "
                       "TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP(6)) " +
                           where + " ORDER BY id");
  std::vector<std::string> audit;
  for (const auto& row : rows) {
    const auto age = row.get<long long>(3);
    EXPECT_LT(std::abs(age), 120) << "created_at is the (UTC) time of the reveal";
    audit.push_back(row.get<std::string>(0) + "/" + row.get<std::string>(1) + "/" +
                    row.get<std::string>(2));
  }
  EXPECT_THAT(audit,
              ::testing::ElementsAre("rep_a/rep/回电确认报价", "mgr_1/manager/核对客户信息"));
}

// ------------------------------------------------------------------ soft delete

TEST_F(CustomerServiceTest, SoftDeleteHidesFromListsUntilUndeleted) {
  const Identity rep = unique_rep("del");
  const auto token = token_for(rep);
  const auto kept = create_ok(rep);
  const auto doomed = create_ok(rep);
  ASSERT_FALSE(HasFailure());

  const auto not_deleted = api().undelete(token, doomed.name());
  EXPECT_EQ(not_deleted.code(), "FAILED_PRECONDITION") << not_deleted;
  EXPECT_EQ(not_deleted.reason(), "NOT_DELETED") << not_deleted;

  const auto deleted = api().remove(token, doomed.name(), doomed.etag());
  ASSERT_TRUE(deleted.ok()) << deleted;
  EXPECT_TRUE(deleted.value.deleted());
  EXPECT_TRUE(deleted.value.has_delete_time());
  EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM customers WHERE id = " + sql_id(doomed.name())),
            1)
      << "soft delete keeps the row";
  const auto got = api().get(token, doomed.name());
  ASSERT_TRUE(got.ok()) << "a deleted customer can still be read by name: " << got;
  EXPECT_TRUE(got.value.deleted());

  const auto names_of = [](const testing::Reply<std::vector<v1::Customer>>& reply) {
    EXPECT_TRUE(reply.ok()) << reply;
    std::set<std::string> names;
    for (const auto& c : reply.value) names.insert(c.name());
    return names;
  };
  const std::set<std::string> only_kept = {kept.name()};
  const std::set<std::string> both = {kept.name(), doomed.name()};
  EXPECT_EQ(names_of(api().list_all(token)), only_kept);
  EXPECT_EQ(names_of(api().list_all(token, "", "", true)), both);
  EXPECT_EQ(names_of(api().export_all(token)), only_kept);
  EXPECT_EQ(names_of(api().export_all(token, "", true)), both);
  EXPECT_EQ(names_of(api().list_all(token_for(testing::manager_of(rep)))), only_kept);

  const auto undeleted = api().undelete(token, doomed.name());
  ASSERT_TRUE(undeleted.ok()) << undeleted;
  EXPECT_FALSE(undeleted.value.deleted());
  EXPECT_FALSE(undeleted.value.has_delete_time());
  EXPECT_EQ(names_of(api().list_all(token)), both);
}

// ------------------------------------------------------------------ names

TEST_F(CustomerServiceTest, MalformedNamesAreInvalidMissingOnesNotFoundForAdminDeniedForReps) {
  for (const std::string bad :
       {"", "customers/", "customers/abc", "customers/1/x", "clients/1", "customers/-1",
        "customers/1 ", "customers/0x10", "customers/%31"}) {
    SCOPED_TRACE("'" + bad + "'");
    const auto as_admin = api().get(token_for(kAdmin), bad);
    EXPECT_EQ(as_admin.code(), "INVALID_ARGUMENT") << as_admin;
    const auto as_rep = api().get(token_for(kRepA), bad);
    EXPECT_EQ(as_rep.code(), "INVALID_ARGUMENT") << as_rep;
  }
  const auto huge = api().get(token_for(kAdmin), "customers/99999999999999999999999999");
  EXPECT_TRUE(huge.code() == "INVALID_ARGUMENT" || huge.code() == "NOT_FOUND") << huge;

  const std::string missing = "customers/987654321";
  const auto for_admin = api().get(token_for(kAdmin), missing);
  EXPECT_EQ(for_admin.code(), "NOT_FOUND") << for_admin;
  EXPECT_EQ(for_admin.reason(), "NOT_FOUND") << for_admin;
  const auto for_rep = api().get(token_for(kRepA), missing);
  EXPECT_EQ(for_rep.code(), "PERMISSION_DENIED")
      << "a rep must not learn whether it exists: " << for_rep;
  const auto for_manager = api().get(token_for(kManager1), missing);
  EXPECT_EQ(for_manager.code(), "PERMISSION_DENIED") << for_manager;
}

}  // namespace
}  // namespace salesfollow
