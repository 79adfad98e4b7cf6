// ListCustomers: the filter grammar, orders, keyset pages that stay correct
// while the table changes, and signed page tokens.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "customer_fixture.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/crypto.h"

namespace salesfollow {
namespace {

using testing::CustomerServiceTest;
using ::testing::ElementsAreArray;
using testing::Identity;
using testing::kAdmin;
using testing::next_unique;
using testing::token_for;
using testing::unique_rep;
using testing::valid_customer;

std::vector<std::string> names_of(const std::vector<v1::Customer>& customers) {
  std::vector<std::string> names;
  for (const auto& c : customers) names.push_back(c.name());
  return names;
}

std::set<std::string> name_set(const std::vector<v1::Customer>& customers) {
  const auto names = names_of(customers);
  return {names.begin(), names.end()};
}

// ------------------------------------------------------------------ filters

class ListFilterTest : public CustomerServiceTest {
 protected:
  void SetUp() override {
    CustomerServiceTest::SetUp();
    if (HasFatalFailure()) return;
    rep_ = unique_rep("filter");
    before_ = std::chrono::system_clock::now() - std::chrono::seconds(2);
    auto a = valid_customer();
    a.set_display_name(fmt::format("过滤科技甲{}", next_unique()));
    a.set_industry("retail");
    a.set_source("trade_show");
    a.clear_need_tags();
    a.add_need_tags("erp_system");
    a.set_first_contact_date("2024-01-10");
    a_ = create_ok(rep_, a);
    auto b = valid_customer();
    b.set_display_name(fmt::format("过滤贸易乙{}", next_unique()));
    b.set_industry("manufacturing");
    b.set_source("referral");
    b.clear_need_tags();
    b.add_need_tags("crm_system");
    b.add_need_tags("consulting");
    b.set_first_contact_date("2024-02-01");
    b_ = create_ok(rep_, b, testing::CreateOptions::starting_at(v1::STAGE_HIGH_INTENTION));
    auto c = valid_customer();
    c.set_display_name(fmt::format("过滤科技丙{}", next_unique()));
    c.set_industry("retail");
    c.set_source("website");
    c.clear_need_tags();
    c.add_need_tags("erp_system");
    c.add_need_tags("custom_gifts");
    c.set_first_contact_date("2024-03-05");
    c_ = create_ok(rep_, c, testing::CreateOptions::starting_at(v1::STAGE_INTENTION));
    ASSERT_FALSE(HasFailure());
  }

  // The customers `who` lists with `filter`, as a set of names.
  std::set<std::string> matching(const std::string& filter, const Identity& who) {
    const auto listed = api().list_all(token_for(who), filter);
    EXPECT_TRUE(listed.ok()) << filter << " -> " << listed;
    const auto exported = api().export_all(token_for(who), filter);
    EXPECT_TRUE(exported.ok()) << "export " << filter << " -> " << exported;
    EXPECT_EQ(name_set(exported.value), name_set(listed.value))
        << "ExportCustomers and ListCustomers disagree on " << filter;
    EXPECT_EQ(names_of(listed.value).size(), name_set(listed.value).size())
        << "a customer is listed twice for " << filter;
    return name_set(listed.value);
  }
  std::set<std::string> matching(const std::string& filter) { return matching(filter, rep_); }
  std::set<std::string> only(std::initializer_list<const v1::Customer*> customers) const {
    std::set<std::string> names;
    for (const auto* c : customers) names.insert(c->name());
    return names;
  }

  Identity rep_;
  std::chrono::system_clock::time_point before_;
  v1::Customer a_, b_, c_;
};

TEST_F(ListFilterTest, EachTermSelectsWhatItSays) {
  EXPECT_EQ(matching(""), only({&a_, &b_, &c_}));
  EXPECT_EQ(matching("industry = \"retail\""), only({&a_, &c_}));
  EXPECT_EQ(matching("source = \"trade_show\""), only({&a_}));
  EXPECT_EQ(matching("need_tag = \"erp_system\""), only({&a_, &c_}));
  EXPECT_EQ(matching("need_tag = \"consulting\""), only({&b_}));
  EXPECT_EQ(matching("stage = HIGH_INTENTION"), only({&b_}));
  EXPECT_EQ(matching("stage = INTENTION"), only({&c_}));
  EXPECT_EQ(matching("stage = POTENTIAL"), only({&a_}));
  EXPECT_EQ(matching("display_name : \"科技\""), only({&a_, &c_}));
  EXPECT_EQ(matching("display_name : \"贸易乙\""), only({&b_}));
  EXPECT_EQ(matching("first_contact_date >= \"2024-02-01\""), only({&b_, &c_}));
  EXPECT_EQ(matching("first_contact_date > \"2024-02-01\""), only({&c_}));
  EXPECT_EQ(matching("first_contact_date < \"2024-02-01\""), only({&a_}));
  EXPECT_EQ(matching("first_contact_date <= \"2024-02-01\""), only({&a_, &b_}));
  EXPECT_EQ(matching("owner_id = \"" + rep_.user_id + "\""), only({&a_, &b_, &c_}));
  EXPECT_EQ(matching("owner_id = \"someone_else\""), only({}));
}

TEST_F(ListFilterTest, TermsJoinedByAndMustAllHold) {
  EXPECT_EQ(matching("industry = \"retail\" AND first_contact_date >= \"2024-02-01\""),
            only({&c_}));
  EXPECT_EQ(matching("need_tag = \"erp_system\" AND stage = POTENTIAL AND source = \"trade_show\""),
            only({&a_}));
  EXPECT_EQ(matching("industry = \"retail\" AND industry = \"manufacturing\""), only({}));
  // An admin sees everyone; the owner term narrows it to this rep.
  const std::string owner = "owner_id = \"" + rep_.user_id + "\"";
  EXPECT_EQ(matching(owner + " AND stage = HIGH_INTENTION", kAdmin), only({&b_}));
  const auto since = format_rfc3339(std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::floor<std::chrono::seconds>(before_)));
  EXPECT_EQ(matching(owner + " AND create_time >= \"" + since + "\"", kAdmin),
            only({&a_, &b_, &c_}));
  EXPECT_EQ(matching(owner + " AND create_time < \"2000-01-01T00:00:00Z\"", kAdmin), only({}));
  EXPECT_EQ(matching(owner + " AND create_time > \"" + since + "\" AND display_name : \"科技丙\"",
                     kAdmin),
            only({&c_}));
}

TEST_F(ListFilterTest, AMalformedFilterIsInvalidAndNamesTheProblem) {
  for (const std::string filter :
       {"bogus = \"x\"", "industry = ", "industry == \"retail\"", "stage = NOT_A_STAGE",
        "industry = \"retail\" OR source = \"website\"", "display_name : \"unterminated",
        "first_contact_date >= \"yesterday\"", "create_time >= \"last week\"",
        "industry = \"retail\" AND", "AND industry = \"retail\"", "contact.phone = \"13912346789\"",
        "phone_bidx = \"x\"", "1 = 1"}) {
    SCOPED_TRACE(filter);
    v1::ListCustomersRequest request;
    request.set_filter(filter);
    const auto listed = api().list(token_for(rep_), request);
    EXPECT_EQ(listed.code(), "INVALID_ARGUMENT") << listed;
    EXPECT_EQ(listed.field(), "filter") << listed;
    const auto exported = api().export_all(token_for(rep_), filter);
    EXPECT_EQ(exported.code(), "INVALID_ARGUMENT") << "export: " << exported;
  }
}

// ------------------------------------------------------------------ orders

TEST_F(CustomerServiceTest, OrderByEachDocumentedKeyAndDirection) {
  const Identity rep = unique_rep("order");
  const auto make = [&](const std::string& letter, const std::string& date) {
    auto customer = valid_customer();
    customer.set_display_name(fmt::format("Order {} {}", letter, rep.user_id));
    customer.set_first_contact_date(date);
    return create_ok(rep, customer).name();
  };
  const auto c = make("C", "2024-03-01");
  const auto a = make("A", "2024-01-01");
  const auto b = make("B", "2024-02-01");
  ASSERT_FALSE(HasFailure());
  const std::map<std::string, std::vector<std::string>> expected = {
      {"", {b, a, c}},  // create_time desc by default
      {"create_time desc", {b, a, c}},
      {"create_time", {c, a, b}},
      {"display_name", {a, b, c}},
      {"display_name desc", {c, b, a}},
      {"first_contact_date", {a, b, c}},
      {"first_contact_date desc", {c, b, a}},
  };
  for (const auto& [order_by, names] : expected) {
    SCOPED_TRACE("order_by '" + order_by + "'");
    for (const int page_size : {1, 2, 50}) {
      const auto listed = api().list_all(token_for(rep), "", order_by, false, page_size);
      ASSERT_TRUE(listed.ok()) << listed;
      EXPECT_THAT(names_of(listed.value), ElementsAreArray(names)) << "page_size " << page_size;
    }
  }
  for (const std::string bad :
       {"bogus", "display_name sideways", "owner_id", "create_time desc, x"}) {
    v1::ListCustomersRequest request;
    request.set_order_by(bad);
    const auto refused = api().list(token_for(rep), request);
    EXPECT_EQ(refused.code(), "INVALID_ARGUMENT") << bad << ": " << refused;
  }
}

// ------------------------------------------------------------------ pages

class ChangingTablePaginationTest : public CustomerServiceTest,
                                    public ::testing::WithParamInterface<std::string> {};

// Lists page by page while, between pages, customers are deleted (some
// already listed, some not yet) and created (sorting at both ends of the
// order). Every customer that existed throughout is listed exactly once, no
// customer is listed twice, deleted ones are not listed after their deletion,
// and what is listed follows the order.
TEST_P(ChangingTablePaginationTest, EveryCustomerPresentThroughoutIsListedExactlyOnce) {
  const std::string order_by = GetParam();
  const Identity rep = unique_rep("pages");
  const auto token = token_for(rep);
  // Few distinct names and dates: the order has ties, which the cursor must break.
  const std::vector<std::string> names = {"Delta", "Alpha", "Echo", "Bravo", "Charlie"};
  const std::vector<std::string> dates = {"2024-02-10", "2024-01-05", "2024-03-15"};
  int made = 0;
  const auto make = [&](const std::string& label, const std::string& date) {
    auto customer = valid_customer();
    customer.set_display_name(fmt::format("Page {} {}", label, rep.user_id));
    customer.set_first_contact_date(date);
    ++made;
    return create_ok(rep, customer, testing::CreateOptions::duplicate_allowed()).name();
  };
  std::set<std::string> present_throughout;
  for (int i = 0; i < 30; ++i) {
    present_throughout.insert(make(names[static_cast<std::size_t>(i) % names.size()],
                                   dates[static_cast<std::size_t>(i) % dates.size()]));
  }
  ASSERT_FALSE(HasFailure());

  std::map<std::string, int> times_listed;
  std::set<std::string> deleted;
  std::vector<v1::Customer> listed_in_order;
  v1::ListCustomersRequest request;
  request.set_order_by(order_by);
  request.set_page_size(7);
  for (int page = 0;; ++page) {
    ASSERT_LT(page, 40) << "the pages never end";
    const auto reply = api().list(token, request);
    ASSERT_TRUE(reply.ok()) << "page " << page << ": " << reply;
    EXPECT_LE(reply.value.customers_size(), 7);
    for (const auto& customer : reply.value.customers()) {
      ++times_listed[customer.name()];
      listed_in_order.push_back(customer);
      EXPECT_EQ(deleted.count(customer.name()), 0U)
          << customer.name() << " was deleted before its page and still listed";
      EXPECT_EQ(customer.owner_id(), rep.user_id);
    }
    if (reply.value.next_page_token().empty()) break;
    request.set_page_token(reply.value.next_page_token());

    // Change the table between pages.
    const auto seen = std::find_if(present_throughout.begin(), present_throughout.end(),
                                   [&](const auto& n) { return times_listed.count(n) > 0; });
    const auto unseen = std::find_if(present_throughout.begin(), present_throughout.end(),
                                     [&](const auto& n) { return times_listed.count(n) == 0; });
    for (const auto& it : {seen, unseen}) {
      if (it == present_throughout.end()) continue;
      const std::string victim = *it;
      const auto removed = api().remove(token, victim);
      ASSERT_TRUE(removed.ok()) << removed;
      deleted.insert(victim);
      present_throughout.erase(victim);
    }
    make("Aaa", "2023-12-31");  // sorts first by name and by date
    make("Zzz", "2024-06-30");  // sorts last
    ASSERT_FALSE(HasFailure());
  }

  for (const auto& name : present_throughout) {
    EXPECT_EQ(times_listed[name], 1) << name << " existed throughout";
  }
  for (const auto& [name, times] : times_listed) EXPECT_LE(times, 1) << name << " listed twice";

  // What was listed is in order.
  const auto key = [&](const v1::Customer& c) -> std::string {
    if (order_by.rfind("display_name", 0) == 0) return c.display_name();
    if (order_by.rfind("first_contact_date", 0) == 0) return c.first_contact_date();
    return fmt::format("{:020d}.{:09d}", c.create_time().seconds(), c.create_time().nanos());
  };
  const bool descending = order_by.empty() || order_by.find("desc") != std::string::npos;
  for (std::size_t i = 1; i < listed_in_order.size(); ++i) {
    const auto previous = key(listed_in_order[i - 1]);
    const auto current = key(listed_in_order[i]);
    if (descending) {
      EXPECT_GE(previous, current) << "at position " << i;
    } else {
      EXPECT_LE(previous, current) << "at position " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Orders, ChangingTablePaginationTest,
                         ::testing::Values("", "create_time", "display_name", "display_name desc",
                                           "first_contact_date", "first_contact_date desc"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name =
                               param_info.param.empty() ? "default" : param_info.param;
                           std::replace(name.begin(), name.end(), ' ', '_');
                           return name;
                         });

TEST_F(CustomerServiceTest, PageTokensAreSignedAndBoundToQueryAndCaller) {
  const Identity rep = unique_rep("token");
  for (int i = 0; i < 5; ++i) create_ok(rep);
  ASSERT_FALSE(HasFailure());
  v1::ListCustomersRequest first;
  first.set_page_size(2);
  first.set_filter("industry = \"manufacturing\"");
  first.set_order_by("display_name");
  const auto page1 = api().list(token_for(rep), first);
  ASSERT_TRUE(page1.ok()) << page1;
  ASSERT_EQ(page1.value.customers_size(), 2);
  const std::string token = page1.value.next_page_token();
  ASSERT_FALSE(token.empty());

  auto next = first;
  next.set_page_token(token);
  const auto page2 = api().list(token_for(rep), next);
  ASSERT_TRUE(page2.ok()) << "the genuine token: " << page2;
  EXPECT_EQ(page2.value.customers_size(), 2);
  EXPECT_NE(page2.value.customers(0).name(), page1.value.customers(0).name());

  const auto refused = [&](const std::string& label, const Identity& who,
                           const v1::ListCustomersRequest& request) {
    SCOPED_TRACE(label);
    const auto reply = api().list(token_for(who), request);
    EXPECT_EQ(reply.code(), "INVALID_ARGUMENT") << reply;
    EXPECT_EQ(reply.field(), "page_token") << reply;
  };
  // Altered tokens.
  std::string flipped = token;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  next.set_page_token(flipped);
  refused("one character changed", rep, next);
  next.set_page_token(token.substr(0, token.size() - 2));
  refused("truncated", rep, next);
  next.set_page_token("not-a-page-token");
  refused("garbage", rep, next);
  next.set_page_token(crypto::base64url_encode(R"({"id":1})") + "." +
                      crypto::base64url_encode(std::string(16, '\0')));
  refused("made up", rep, next);
  // A cursor rewritten to skip ahead, with the original signature.
  const auto dot = token.find('.');
  if (dot != std::string::npos) {
    std::string payload;
    try {
      payload = crypto::base64url_decode(token.substr(0, dot));
    } catch (const std::exception&) {
      payload.clear();
    }
    const auto digit = payload.find_first_of("0123456789");
    if (digit != std::string::npos) {
      payload[digit] = payload[digit] == '9' ? '1' : static_cast<char>(payload[digit] + 1);
      next.set_page_token(crypto::base64url_encode(payload) + token.substr(dot));
      refused("cursor rewritten", rep, next);
    }
  }

  // The genuine token for another query or another caller.
  auto other_filter = first;
  other_filter.set_page_token(token);
  other_filter.set_filter("industry = \"retail\"");
  refused("another filter", rep, other_filter);
  auto no_filter = first;
  no_filter.set_page_token(token);
  no_filter.clear_filter();
  refused("filter dropped", rep, no_filter);
  auto other_order = first;
  other_order.set_page_token(token);
  other_order.set_order_by("display_name desc");
  refused("another order", rep, other_order);
  auto deleted_too = first;
  deleted_too.set_page_token(token);
  deleted_too.set_show_deleted(true);
  refused("show_deleted", rep, deleted_too);
  auto same = first;
  same.set_page_token(token);
  refused("the rep's manager", testing::manager_of(rep), same);
  refused("an admin", kAdmin, same);
  refused("another rep with the same team",
          Identity{"rep_other_" + rep.user_id, Role::rep, rep.team_id}, same);

  // After all of that the genuine token still works.
  const auto again = api().list(token_for(rep), same);
  EXPECT_TRUE(again.ok()) << again;
}

TEST_F(CustomerServiceTest, ANegativePageSizeIsInvalid) {
  v1::ListCustomersRequest request;
  request.set_page_size(-1);
  const auto listed = api().list(token_for(testing::kRepA), request);
  EXPECT_EQ(listed.code(), "INVALID_ARGUMENT") << listed;
  EXPECT_EQ(listed.field(), "page_size") << listed;
}

}  // namespace
}  // namespace salesfollow
