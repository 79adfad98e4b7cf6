// ImportCustomers: 10,000 rows streamed in with a sprinkling of invalid and
// duplicate rows, answered once with per-row outcomes, and idempotent by
// request_id; page sizes over a large scope. These tests run on a service and
// database of their own so the big import does not slow the other tests.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <iostream>
#include <map>

#include "customer_fixture.h"

namespace salesfollow {
namespace {

using testing::count_rows;
using testing::CustomerApi;
using testing::CustomerServiceUnderTest;
using ::testing::HasSubstr;
using testing::Identity;
using ::testing::StartsWith;
using testing::token_for;
using testing::unique_rep;
using testing::valid_customer;

class ImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      service_ = new CustomerServiceUnderTest(testing::migrated_database("import"));
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete service_;
    service_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(service_, nullptr) << start_error_;
    log_offset_ = service_->process().log().size();
  }
  void TearDown() override {
    if (service_ != nullptr && HasFailure()) {
      std::cout << "customer-service log during this test:\n"
                << testing::problems_in_log(service_->process().log(), log_offset_);
    }
  }

  CustomerApi& api() { return service_->api(); }
  const DbConfig& db() { return service_->db(); }

  // Rows in messages of `per_message`, after a first message with only the settings.
  static std::vector<v1::ImportCustomersRequest> stream_of(const std::vector<v1::Customer>& rows,
                                                           const std::string& request_id,
                                                           bool allow_duplicates = false,
                                                           std::size_t per_message = 250) {
    std::vector<v1::ImportCustomersRequest> messages(1);
    messages[0].set_request_id(request_id);
    messages[0].set_allow_duplicates(allow_duplicates);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i % per_message == 0) messages.emplace_back();
      *messages.back().add_customers() = rows[i];
    }
    return messages;
  }

  long long owned_by(const Identity& who) {
    return count_rows(db(),
                      "SELECT COUNT(*) FROM customers WHERE owner_id = '" + who.user_id + "'");
  }

  std::size_t log_offset_ = 0;
  static inline CustomerServiceUnderTest* service_ = nullptr;
  static inline std::string start_error_;
};

struct ExpectedRejection {
  v1::ImportRowResult::Outcome outcome;
  std::string message_mentions;
};

TEST_F(ImportTest, TenThousandRowsWithInvalidAndDuplicateRowsThenTheSameImportAgain) {
  const Identity importer = unique_rep("importer");
  const Identity someone_else = unique_rep("existing");
  // Customers that exist before the import (another rep's).
  const auto existing_by_phone = api().create(token_for(someone_else), valid_customer());
  const auto existing_by_name = api().create(token_for(someone_else), valid_customer());
  ASSERT_TRUE(existing_by_phone.ok() && existing_by_name.ok())
      << existing_by_phone << " / " << existing_by_name;
  const auto existing_phone = [&] {
    const auto revealed = api().reveal(token_for(someone_else), existing_by_phone.value.name());
    EXPECT_TRUE(revealed.ok()) << revealed;
    return revealed.value.contact().phone();
  }();

  constexpr std::size_t kRows = 10000;
  std::vector<v1::Customer> rows;
  rows.reserve(kRows);
  for (std::size_t i = 0; i < kRows; ++i) rows.push_back(valid_customer());
  const auto row = [&](std::size_t number) -> v1::Customer& { return rows[number - 1]; };

  std::map<std::int64_t, ExpectedRejection> expected;
  const auto invalid = [&](std::size_t number, const std::string& field,
                           const std::function<void(v1::Customer&)>& change) {
    change(row(number));
    expected[static_cast<std::int64_t>(number)] = {v1::ImportRowResult::INVALID, field};
  };
  invalid(17, "industry", [](v1::Customer& c) { c.set_industry("spaceflight"); });
  invalid(256, "first_contact_date",
          [](v1::Customer& c) { c.set_first_contact_date("2024-02-30"); });
  invalid(4096, "need_tags", [](v1::Customer& c) { c.clear_need_tags(); });
  invalid(7777, "contact", [](v1::Customer& c) {
    c.mutable_contact()->clear_phone();
    c.mutable_contact()->clear_email();
    c.mutable_contact()->clear_wechat_id();
  });
  invalid(9999, "display_name", [](v1::Customer& c) { c.set_display_name(""); });
  invalid(10000, "source", [](v1::Customer& c) { c.set_source("carrier_pigeon"); });

  // Row 50 has the phone of a customer that existed before (written differently).
  row(50).mutable_contact()->set_phone("+86 " + existing_phone.substr(0, 3) + "-" +
                                       existing_phone.substr(3, 4) + "-" +
                                       existing_phone.substr(7));
  expected[50] = {v1::ImportRowResult::DUPLICATE, "phone"};
  // Row 3000 has the email of row 2999 (in upper case): duplicates within the import count too.
  std::string upper_email = row(2999).contact().email();
  for (auto& c : upper_email) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  row(3000).mutable_contact()->set_email(upper_email);
  expected[3000] = {v1::ImportRowResult::DUPLICATE, "email"};
  // Row 5001 has row 5000's name with extra spaces.
  row(5001).set_display_name("  " + row(5000).display_name() + " ");
  expected[5001] = {v1::ImportRowResult::DUPLICATE, "name"};
  // Row 8000 has the name of a customer that existed before.
  row(8000).set_display_name(existing_by_name.value.display_name());
  expected[8000] = {v1::ImportRowResult::DUPLICATE, "name"};

  const std::string request_id = fmt::format("import-10k-{}", testing::next_unique());
  const auto first =
      api().import(token_for(importer), stream_of(rows, request_id), std::chrono::seconds(400));
  ASSERT_TRUE(first.ok()) << first;
  const auto& answer = first.value;
  EXPECT_EQ(answer.rows_received(), 10000);
  EXPECT_EQ(answer.invalid(), 6);
  EXPECT_EQ(answer.duplicates(), 4);
  EXPECT_EQ(answer.created(), 9990);
  EXPECT_FALSE(answer.rejected_truncated());
  std::vector<std::int64_t> rejected_rows;
  for (const auto& rejected : answer.rejected()) rejected_rows.push_back(rejected.row());
  std::vector<std::int64_t> expected_rows;
  for (const auto& [number, what] : expected) expected_rows.push_back(number);
  EXPECT_EQ(rejected_rows, expected_rows) << "rejected rows, 1-based, in row order";
  for (const auto& rejected : answer.rejected()) {
    const auto found = expected.find(rejected.row());
    if (found == expected.end()) continue;
    SCOPED_TRACE(fmt::format("row {}", rejected.row()));
    EXPECT_EQ(v1::ImportRowResult::Outcome_Name(rejected.outcome()),
              v1::ImportRowResult::Outcome_Name(found->second.outcome));
    EXPECT_THAT(rejected.message(), HasSubstr(found->second.message_mentions));
    if (rejected.outcome() == v1::ImportRowResult::DUPLICATE) {
      EXPECT_THAT(rejected.customer(), StartsWith("customers/"));
    }
  }
  const auto result_of = [&](std::int64_t number) -> const v1::ImportRowResult* {
    for (const auto& rejected : answer.rejected()) {
      if (rejected.row() == number) return &rejected;
    }
    return nullptr;
  };
  if (const auto* r50 = result_of(50)) {
    EXPECT_EQ(r50->customer(), existing_by_phone.value.name());
  }
  if (const auto* r8000 = result_of(8000)) {
    EXPECT_EQ(r8000->customer(), existing_by_name.value.name());
  }
  if (const auto* r3000 = result_of(3000)) {
    const auto matched = api().get(token_for(importer), r3000->customer());
    ASSERT_TRUE(matched.ok()) << matched;
    EXPECT_EQ(matched.value.display_name(), row(2999).display_name())
        << "row 3000 duplicates the customer created from row 2999";
  }

  EXPECT_EQ(owned_by(importer), 9990);
  EXPECT_EQ(count_rows(db(),
                       "SELECT COUNT(*) FROM stage_events e JOIN customers c ON "
                       "c.id = e.customer_id WHERE c.owner_id = '" +
                           importer.user_id + "' AND e.from_stage IS NULL"),
            9990)
      << "every imported customer has its creation event";
  EXPECT_EQ(
      count_rows(db(), "SELECT COUNT(*) FROM customers WHERE owner_id = '" + importer.user_id +
                           "' AND display_name = '" + row(1).display_name() + "'"),
      1);

  // The answer was lost: the same import again.
  const auto again =
      api().import(token_for(importer), stream_of(rows, request_id), std::chrono::seconds(400));
  ASSERT_TRUE(again.ok()) << again;
  EXPECT_EQ(testing::proto_diff(answer, again.value).substr(0, 3000), "")
      << "the retry's answer differs";
  EXPECT_EQ(owned_by(importer), 9990) << "the retry wrote rows";

  // The same request_id with different rows is refused.
  std::vector<v1::Customer> other_rows = {valid_customer()};
  const auto reused = api().import(token_for(importer), stream_of(other_rows, request_id));
  EXPECT_EQ(reused.code(), "INVALID_ARGUMENT") << reused;
  EXPECT_EQ(owned_by(importer), 9990);

  // The importer's export streams exactly their customers, masked.
  const auto exported = api().export_all(token_for(importer));
  ASSERT_TRUE(exported.ok()) << exported;
  EXPECT_EQ(exported.value.size(), 9990U);
  for (const auto& customer : exported.value) {
    if (customer.owner_id() != importer.user_id ||
        customer.contact().phone().find('*') == std::string::npos) {
      ADD_FAILURE() << "exported " << customer.name() << " owner " << customer.owner_id()
                    << " phone " << customer.contact().phone();
      break;
    }
  }
}

// A few rows in one message: duplicates of an earlier row of the same
// import and of a customer that existed before, and an invalid row, listed
// in row order, each duplicate naming the customer it matches.
TEST_F(ImportTest, RejectedRowsAreListedInRowOrderAndDuplicatesNameTheirMatch) {
  const Identity importer = unique_rep("small");
  const auto existing = api().create(token_for(importer), valid_customer());
  ASSERT_TRUE(existing.ok()) << existing;
  std::vector<v1::Customer> rows(6);
  for (auto& row : rows) row = valid_customer();
  rows[1].mutable_contact()->set_phone(rows[0].contact().phone());  // row 2 = row 1
  rows[2].set_industry("spaceflight");                              // row 3 invalid
  rows[4].set_display_name(existing.value.display_name());          // row 5 = existing
  const auto imported = api().import(token_for(importer), stream_of(rows, ""));
  ASSERT_TRUE(imported.ok()) << imported;
  EXPECT_EQ(imported.value.rows_received(), 6);
  EXPECT_EQ(imported.value.created(), 3);
  EXPECT_EQ(imported.value.duplicates(), 2);
  EXPECT_EQ(imported.value.invalid(), 1);
  std::vector<std::string> outcomes;
  for (const auto& rejected : imported.value.rejected()) {
    outcomes.push_back(fmt::format("{} {}", rejected.row(),
                                   v1::ImportRowResult::Outcome_Name(rejected.outcome())));
  }
  EXPECT_THAT(outcomes, ::testing::ElementsAre("2 DUPLICATE", "3 INVALID", "5 DUPLICATE"));
  const auto created_from_row_1 =
      api().list_all(token_for(importer), "display_name : \"" + rows[0].display_name() + "\"");
  ASSERT_TRUE(created_from_row_1.ok() && created_from_row_1.value.size() == 1U)
      << created_from_row_1;
  for (const auto& rejected : imported.value.rejected()) {
    SCOPED_TRACE(fmt::format("row {}", rejected.row()));
    if (rejected.row() == 2) {
      EXPECT_EQ(rejected.customer(), created_from_row_1.value[0].name())
          << "the customer created from row 1";
      EXPECT_THAT(rejected.message(), HasSubstr("phone"));
    }
    if (rejected.row() == 3) {
      EXPECT_THAT(rejected.message(), HasSubstr("industry"));
    }
    if (rejected.row() == 5) {
      EXPECT_EQ(rejected.customer(), existing.value.name());
      EXPECT_THAT(rejected.message(), HasSubstr("name"));
    }
  }
}

TEST_F(ImportTest, ARetriedImportReturnsTheFirstAnswerAndWritesNothing) {
  const Identity importer = unique_rep("retry");
  std::vector<v1::Customer> rows(5);
  for (auto& row : rows) row = valid_customer();
  rows[3].set_source("carrier_pigeon");
  const std::string request_id = fmt::format("import-small-{}", testing::next_unique());
  const auto first = api().import(token_for(importer), stream_of(rows, request_id, false, 2));
  ASSERT_TRUE(first.ok()) << first;
  EXPECT_EQ(first.value.created(), 4);
  EXPECT_EQ(owned_by(importer), 4);
  const auto again = api().import(token_for(importer), stream_of(rows, request_id, false, 2));
  ASSERT_TRUE(again.ok()) << again;
  EXPECT_EQ(testing::proto_diff(first.value, again.value), "");
  EXPECT_EQ(owned_by(importer), 4) << "the retry wrote rows";
  rows[0].set_notes("changed");
  const auto reused = api().import(token_for(importer), stream_of(rows, request_id, false, 2));
  EXPECT_EQ(reused.code(), "INVALID_ARGUMENT") << reused;
  EXPECT_EQ(owned_by(importer), 4);
}

TEST_F(ImportTest, AllowDuplicatesCreatesDuplicateRowsAndAnEmptyStreamCreatesNothing) {
  const Identity importer = unique_rep("dups");
  const auto original = valid_customer();
  auto copy = original;
  copy.mutable_contact()->set_phone(original.contact().phone());
  const auto refused = api().import(token_for(importer), stream_of({original, copy}, ""));
  ASSERT_TRUE(refused.ok()) << refused;
  EXPECT_EQ(refused.value.created(), 1);
  EXPECT_EQ(refused.value.duplicates(), 1);
  ASSERT_EQ(refused.value.rejected_size(), 1);
  EXPECT_EQ(refused.value.rejected(0).row(), 2);

  auto third = valid_customer();
  third.mutable_contact()->set_phone(original.contact().phone());
  const auto allowed =
      api().import(token_for(importer), stream_of({third}, "", /*allow_duplicates=*/true));
  ASSERT_TRUE(allowed.ok()) << allowed;
  EXPECT_EQ(allowed.value.created(), 1);
  EXPECT_EQ(allowed.value.duplicates(), 0);
  EXPECT_EQ(owned_by(importer), 2);

  const auto empty = api().import(token_for(importer), stream_of({}, ""));
  ASSERT_TRUE(empty.ok()) << empty;
  EXPECT_EQ(empty.value.rows_received(), 0);
  EXPECT_EQ(empty.value.created(), 0);
  EXPECT_EQ(owned_by(importer), 2);
}

TEST_F(ImportTest, PageSizeDefaultsTo50AndIsCappedAt500) {
  const Identity rep = unique_rep("bigpages");
  std::vector<v1::Customer> rows;
  for (int i = 0; i < 620; ++i) rows.push_back(valid_customer());
  const auto imported = api().import(token_for(rep), stream_of(rows, ""));
  ASSERT_TRUE(imported.ok()) << imported;
  ASSERT_EQ(imported.value.created(), 620);

  const auto page_of = [&](int page_size) {
    v1::ListCustomersRequest request;
    request.set_page_size(page_size);
    const auto reply = api().list(token_for(rep), request);
    EXPECT_TRUE(reply.ok()) << reply;
    EXPECT_FALSE(reply.value.next_page_token().empty()) << "page_size " << page_size;
    return reply.value.customers_size();
  };
  EXPECT_EQ(page_of(0), 50);
  EXPECT_EQ(page_of(1), 1);
  EXPECT_EQ(page_of(500), 500);
  EXPECT_EQ(page_of(501), 500);
  EXPECT_EQ(page_of(100000), 500);
  const auto all = api().list_all(token_for(rep), "", "", false, 1000);
  ASSERT_TRUE(all.ok()) << all;
  EXPECT_EQ(all.value.size(), 620U);
}

}  // namespace
}  // namespace salesfollow
