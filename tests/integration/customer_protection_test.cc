// Contact data at rest and in the open: encrypted under rotating keys, never
// stored, logged or exported in clear, keys read from files, bad keys refused
// at start; and the business metrics.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "customer_fixture.h"
#include "grpc_probe.h"
#include "salesfollow/common/crypto.h"

namespace salesfollow {
namespace {

using testing::CustomerApi;
using testing::CustomerServiceTest;
using testing::CustomerServiceUnderTest;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kManager1;
using testing::kRepA;
using ::testing::Not;
using testing::ServiceKeys;
using testing::token_for;
using testing::valid_customer;

void expect_same_contact(const v1::Contact& actual, const v1::Contact& expected) {
  EXPECT_EQ(actual.name(), expected.name());
  EXPECT_EQ(actual.title(), expected.title());
  EXPECT_EQ(actual.phone(), expected.phone());
  EXPECT_EQ(actual.email(), expected.email());
  EXPECT_EQ(actual.wechat_id(), expected.wechat_id());
}

// The sealed contact columns of one customer.
std::vector<std::string> sealed_columns(const DbConfig& db, const std::string& name) {
  auto sql = testing::root_session(db);
  std::string contact_name, phone, email, wechat;
  *sql << "SELECT contact_name_enc, COALESCE(phone_enc, ''), COALESCE(email_enc, ''), "
          "COALESCE(wechat_enc, '') FROM customers WHERE id = " +
              std::to_string(testing::customer_id(name)),
      soci::into(contact_name), soci::into(phone), soci::into(email), soci::into(wechat);
  return {contact_name, phone, email, wechat};
}

TEST(ContactKeyRotationTest, OldRowsKeepTheirKeyNewRowsUseTheActiveOneAndAMissingKeyIsAnError) {
  const auto db = testing::migrated_database("rotation");
  const auto a_input = valid_customer();
  const auto b_input = valid_customer();
  std::string a_name;
  std::string b_name;
  {
    CustomerServiceUnderTest k1_active(db, ServiceKeys{{"k1"}, "k1", "blind"});
    const auto a = k1_active.api().create(token_for(kRepA), a_input);
    ASSERT_TRUE(a.ok()) << a << "\n" << testing::problems_in_log(k1_active.process().log());
    a_name = a.value.name();
  }
  {
    CustomerServiceUnderTest k2_active(db, ServiceKeys{{"k1", "k2"}, "k2", "blind"});
    auto& api = k2_active.api();
    const auto b = api.create(token_for(kRepA), b_input);
    ASSERT_TRUE(b.ok()) << b << "\n" << testing::problems_in_log(k2_active.process().log());
    b_name = b.value.name();
    const auto a_revealed = api.reveal(token_for(kRepA), a_name);
    ASSERT_TRUE(a_revealed.ok()) << "A, sealed with k1: " << a_revealed;
    expect_same_contact(a_revealed.value.contact(), a_input.contact());
    const auto b_revealed = api.reveal(token_for(kRepA), b_name);
    ASSERT_TRUE(b_revealed.ok()) << "B, sealed with k2: " << b_revealed;
    expect_same_contact(b_revealed.value.contact(), b_input.contact());
    // The blind index does not depend on the encryption key: A is still found.
    auto same_phone = valid_customer();
    same_phone.mutable_contact()->set_phone(a_input.contact().phone());
    const auto duplicate = api.create(token_for(kRepA), same_phone);
    EXPECT_EQ(duplicate.code(), "ALREADY_EXISTS") << duplicate;
    EXPECT_EQ(testing::status_metadata(duplicate.status, "existing"), a_name);
  }
  for (const auto& sealed : sealed_columns(db, a_name)) {
    EXPECT_EQ(sealed.substr(0, 3), "k1:") << "A: " << sealed;
  }
  for (const auto& sealed : sealed_columns(db, b_name)) {
    EXPECT_EQ(sealed.substr(0, 3), "k2:") << "B: " << sealed;
  }
  {
    CustomerServiceUnderTest without_k1(db, ServiceKeys{{"k2"}, "k2", "blind"});
    auto& api = without_k1.api();
    const auto refused = api.reveal(token_for(kRepA), a_name);
    EXPECT_FALSE(refused.ok()) << "A cannot be opened without k1";
    EXPECT_THAT(refused.status.error_message(), Not(HasSubstr(testing::test_key_base64("k2"))));
    EXPECT_THAT(refused.status.error_message(), Not(HasSubstr(a_input.contact().phone())));
    EXPECT_FALSE(without_k1.process().wait_for_exit(std::chrono::milliseconds(0)))
        << "the service died:\n"
        << without_k1.process().log();
    // Everything else still works.
    const auto b_revealed = api.reveal(token_for(kRepA), b_name);
    ASSERT_TRUE(b_revealed.ok()) << b_revealed;
    expect_same_contact(b_revealed.value.contact(), b_input.contact());
    const auto a_masked = api.get(token_for(kRepA), a_name);
    ASSERT_TRUE(a_masked.ok()) << "masked reads do not need the key: " << a_masked;
    EXPECT_EQ(a_masked.value.display_name(), a_input.display_name());
    EXPECT_THAT(without_k1.process().log(), Not(HasSubstr(testing::test_key_base64("k2"))));
  }
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "salesfollow-keys-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return file;
  }

 private:
  std::filesystem::path path_;
};

TEST(ContactKeyFilesTest, KeysAndTheTokenSecretCanComeFromFiles) {
  const auto db = testing::migrated_database("keyfiles");
  const TempDir dir;
  const auto keyring = dir.write("contact-keys", "k1=" + testing::test_key_base64("k1") + "\nk2=" +
                                                     testing::test_key_base64("k2") + "\n");
  const auto blind = dir.write("blind-index-key", testing::test_key_base64("blind"));
  const auto secret = dir.write("token-secret", testing::kTokenSecret);
  const auto input = valid_customer();
  std::string name;
  {
    testing::ServiceProcess process(
        CUSTOMER_SERVICE_BIN, db,
        {"--token-secret-file=" + secret.string(), "--contact-keys-file=" + keyring.string(),
         "--contact-active-key=k2", "--blind-index-key-file=" + blind.string()});
    ASSERT_TRUE(testing::wait_for_health(testing::channel_to(process.grpc_address()), "SERVING",
                                         std::chrono::seconds(10)))
        << process.log();
    CustomerApi api(process.grpc_address());
    const auto created = api.create(token_for(kRepA), input);
    ASSERT_TRUE(created.ok()) << created << "\n" << testing::problems_in_log(process.log());
    name = created.value.name();
    const auto revealed = api.reveal(token_for(kRepA), name);
    ASSERT_TRUE(revealed.ok()) << revealed;
    expect_same_contact(revealed.value.contact(), input.contact());
    EXPECT_THAT(process.log(), Not(HasSubstr(testing::test_key_base64("k1"))));
    EXPECT_THAT(process.log(), Not(HasSubstr(testing::kTokenSecret)));
  }
  for (const auto& sealed : sealed_columns(db, name)) EXPECT_EQ(sealed.substr(0, 3), "k2:");
  // The same keys given as flags read the same data: the files were read whole and right.
  CustomerServiceUnderTest from_flags(db, ServiceKeys{{"k1", "k2"}, "k2", "blind"});
  const auto revealed = from_flags.api().reveal(token_for(kRepA), name);
  ASSERT_TRUE(revealed.ok()) << revealed;
  expect_same_contact(revealed.value.contact(), input.contact());
  auto same_email = valid_customer();
  same_email.mutable_contact()->set_email(input.contact().email());
  const auto duplicate = from_flags.api().create(token_for(kRepA), same_email);
  EXPECT_EQ(duplicate.code(), "ALREADY_EXISTS")
      << "same blind-index key from the file: " << duplicate;
}

TEST(ContactKeyConfigurationTest, InconsistentKeysStopTheStartWithoutPrintingThem) {
  const auto db = testing::migrated_database("badkeys");
  const std::string k1 = testing::test_key_base64("k1");
  const std::string short_key = crypto::base64_encode(std::string(16, 'x'));
  const std::string blind = testing::test_key_base64("blind");
  struct Case {
    std::string label;
    std::vector<std::string> args;
    std::string named_option;
  };
  const std::vector<Case> cases = {
      {"active key not in the keyring",
       {"--contact-keys=k1=" + k1, "--contact-active-key=k9", "--blind-index-key=" + blind},
       "contact-active-key"},
      {"a 16-byte key",
       {"--contact-keys=k1=" + short_key, "--contact-active-key=k1", "--blind-index-key=" + blind},
       "contact-keys"},
      {"a key that is not base64",
       {"--contact-keys=k1=not*base64*at*all", "--contact-active-key=k1",
        "--blind-index-key=" + blind},
       "contact-keys"},
      {"an entry without '='",
       {"--contact-keys=k1" + k1, "--contact-active-key=k1", "--blind-index-key=" + blind},
       "contact-keys"},
      {"a short blind-index key",
       {"--contact-keys=k1=" + k1, "--contact-active-key=k1", "--blind-index-key=" + short_key},
       "blind-index-key"},
  };
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.label);
    auto args = test_case.args;
    args.push_back("--token-secret=" + testing::kTokenSecret);
    std::string output;
    EXPECT_EQ(testing::run_service_to_exit(CUSTOMER_SERVICE_BIN, db, args, output), 2) << output;
    EXPECT_THAT(output, HasSubstr(test_case.named_option));
    EXPECT_THAT(output, Not(HasSubstr(k1)));
    EXPECT_THAT(output, Not(HasSubstr(short_key)));
    EXPECT_THAT(output, Not(HasSubstr(blind)));
  }
  std::string output;
  EXPECT_EQ(testing::run_service_to_exit(CUSTOMER_SERVICE_BIN, db,
                                         {"--contact-keys=k1=" + k1, "--contact-active-key=k1",
                                          "--blind-index-key=" + blind, "--token-secret=too-short"},
                                         output),
            2)
      << output;
  EXPECT_THAT(output, HasSubstr("token-secret"));
  EXPECT_THAT(output, Not(HasSubstr("too-short")));
}

// Every contact value any test of this binary sent must not appear in clear
// in any column of any table (nor base64-encoded there), in the log, or in
// /metrics. This test first drives every path that handles contact data.
TEST_F(CustomerServiceTest, NoClearContactValueIsStoredLoggedOrShownInMetrics) {
  const auto input = valid_customer();
  const auto created = api().create(
      token_for(kRepA), input,
      testing::CreateOptions::with_request_id(fmt::format("scan-{}", testing::next_unique())));
  ASSERT_TRUE(created.ok()) << created;
  const auto& name = created.value.name();
  auto replacement = valid_customer();
  replacement.set_name(name);
  const auto updated = api().update(token_for(kRepA), replacement, {"contact"});
  ASSERT_TRUE(updated.ok()) << updated;
  auto phone_only = valid_customer();
  phone_only.set_name(name);
  ASSERT_TRUE(api().update(token_for(kRepA), phone_only, {"contact.phone", "contact.email"}).ok());
  ASSERT_TRUE(api().change_stage(token_for(kRepA), name, v1::STAGE_INTENTION, "需求明确").ok());
  ASSERT_TRUE(api().reveal(token_for(kRepA), name, "回电").ok());
  ASSERT_TRUE(api().reveal(token_for(kManager1), name, "核对").ok());
  ASSERT_TRUE(api().transfer(token_for(kManager1), name, "rep_b", "team1").ok());
  ASSERT_TRUE(api().remove(token_for(testing::kRepB), name).ok());
  ASSERT_TRUE(api().undelete(token_for(testing::kRepB), name).ok());
  // Refused writes carrying contact data.
  auto duplicate = valid_customer();
  duplicate.mutable_contact()->set_phone(phone_only.contact().phone());
  EXPECT_EQ(api().create(token_for(kRepA), duplicate).code(), "ALREADY_EXISTS");
  auto invalid = valid_customer();
  invalid.set_industry("spaceflight");
  EXPECT_EQ(api().create(token_for(kRepA), invalid).code(), "INVALID_ARGUMENT");
  // An import with a created, an invalid and a duplicate row, answered idempotently.
  v1::ImportCustomersRequest settings;
  settings.set_request_id(fmt::format("scan-import-{}", testing::next_unique()));
  v1::ImportCustomersRequest rows;
  *rows.add_customers() = valid_customer();
  *rows.add_customers() = invalid;
  *rows.add_customers() = duplicate;
  const auto imported = api().import(token_for(kRepA), {settings, rows});
  ASSERT_TRUE(imported.ok()) << imported;
  for (const auto& rejected : imported.value.rejected()) {
    EXPECT_THAT(testing::find_in_text(rejected.message(), testing::clear_contact_values()),
                IsEmpty())
        << "row " << rejected.row() << " message: " << rejected.message();
  }
  const auto exported = api().export_all(token_for(kRepA));
  ASSERT_TRUE(exported.ok()) << exported;

  const auto clear = testing::clear_contact_values();
  ASSERT_GT(clear.size(), 10U);
  ASSERT_EQ(clear.count(phone_only.contact().phone()), 1U);
  // The scanner itself finds what is there (or this test could not fail).
  EXPECT_THAT(testing::find_in_database(db(), {input.display_name(), "rep_b"}), Not(IsEmpty()));

  EXPECT_THAT(testing::find_in_database(db(), clear), IsEmpty());
  EXPECT_THAT(testing::find_in_text(service().process().log(), clear), IsEmpty())
      << "contact data in the service log";
  EXPECT_THAT(testing::find_in_text(
                  testing::http_get(service().process().metrics_port(), "/metrics"), clear),
              IsEmpty())
      << "contact data in /metrics";
  for (const auto& customer : exported.value) {
    EXPECT_THAT(testing::find_in_text(customer.SerializeAsString(), clear), IsEmpty())
        << "exported " << customer.name();
  }
}

std::string stage_label(std::string value) {
  for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (value.rfind("stage_", 0) == 0) value = value.substr(6);
  return value;
}

double stage_changes(const std::vector<testing::MetricSample>& samples, const std::string& from,
                     const std::string& to) {
  double sum = 0;
  for (const auto& sample : samples) {
    if (sample.name != "salesfollow_stage_changes_total") continue;
    const auto f = sample.labels.find("from");
    const auto t = sample.labels.find("to");
    if (f != sample.labels.end() && t != sample.labels.end() && stage_label(f->second) == from &&
        stage_label(t->second) == to) {
      sum += sample.value;
    }
  }
  return sum;
}

TEST_F(CustomerServiceTest, MetricsCountCreatesStageChangesAndReveals) {
  const auto scrape = [&] {
    return testing::parse_metrics(
        testing::http_get(service().process().metrics_port(), "/metrics"));
  };
  const auto before = scrape();
  const auto customer = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  auto invalid = valid_customer();
  invalid.set_source("");
  EXPECT_FALSE(api().create(token_for(kRepA), invalid).ok());
  ASSERT_TRUE(
      api().change_stage(token_for(kRepA), customer.name(), v1::STAGE_INTENTION, "需求明确").ok());
  EXPECT_FALSE(
      api().change_stage(token_for(kRepA), customer.name(), v1::STAGE_INTENTION, "again").ok());
  ASSERT_TRUE(api().reveal(token_for(kRepA), customer.name(), "回电").ok());
  EXPECT_FALSE(api().reveal(token_for(kRepA), customer.name(), "").ok());
  const auto after = scrape();

  EXPECT_EQ(testing::metric_sum(after, "salesfollow_customers_created_total") -
                testing::metric_sum(before, "salesfollow_customers_created_total"),
            1.0);
  EXPECT_EQ(stage_changes(after, "potential", "intention") -
                stage_changes(before, "potential", "intention"),
            1.0)
      << "salesfollow_stage_changes_total{from=potential,to=intention}";
  EXPECT_EQ(testing::metric_sum(after, "salesfollow_contact_reveals_total") -
                testing::metric_sum(before, "salesfollow_contact_reveals_total"),
            1.0);
}

}  // namespace
}  // namespace salesfollow
