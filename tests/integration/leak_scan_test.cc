// No clear contact value anywhere but in a reveal's answer: after a workload
// that touches contact data through every path of every process (create,
// update, import with duplicates, export, list, get, reveal, follow-ups with
// stage changes, amendments, attachments, reports, refused requests), the
// database dump (mariadb-dump, and every cell with base64 decoded), the log of
// every process (the three services and MariaDB's error log), every /metrics
// page, and every answer but the reveals hold none of the clear values sent,
// also in their normal forms (phone digits, with and without +86; e-mail in
// lower case). Every reveal is in contact_reveals, with actor and purpose.
//
// customer_protection_test.cc does the same for customer-service alone; this
// test covers the whole system. It is the last test of its binary.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "customer_fixture.h"
#include "grpc_probe.h"
#include "mariadb_server.h"
#include "salesfollow/common/crypto.h"
#include "status_text.h"
#include "system_fixture.h"

namespace salesfollow {
namespace {

using std::chrono::seconds;
using ::testing::IsEmpty;
namespace sys = testing::system;

google::protobuf::Timestamp ago(seconds how_long) {
  google::protobuf::Timestamp t;
  t.set_seconds(std::chrono::duration_cast<seconds>(
                    (std::chrono::system_clock::now() - how_long).time_since_epoch())
                    .count());
  return t;
}

// A contact whose every value is unique and long enough not to match by chance.
v1::Contact secret_contact(int n) {
  v1::Contact contact;
  contact.set_name(fmt::format("泄漏检查联系人{}", n));
  contact.set_title("总经理");
  contact.set_phone(fmt::format("+86 158-7{:03d}-{:04d}", n % 1000, 4000 + n));
  contact.set_email(fmt::format("Leak.Probe.{}@Example-Secret.com", n));
  contact.set_wechat_id(fmt::format("wx_leak_probe_{}", n));
  testing::remember_contact(contact);
  return contact;
}

class LeakScanTest : public ::testing::Test {
 protected:
  template <typename Call>
  grpc::Status as(const std::string& bearer, Call&& call) {
    grpc::ClientContext context;
    sys::prepare(context, bearer, seconds(60));
    return call(context);
  }
};

TEST_F(LeakScanTest, NoClearContactValueInTheDumpLogsMetricsOrAnswers) {
  const auto db = sys::migrate(testing::fresh_database("leak"));
  sys::SystemUnderTest::Options options;
  options.with_report_worker = true;
  sys::SystemUnderTest system(db, options);
  const std::string rep = sys::token("rep_leak", "rep", "team_leak");
  const std::string manager = sys::token("mgr_leak", "manager", "team_leak");
  const std::string admin = sys::token("admin", "admin", "");
  std::vector<std::string> answers;  // every non-reveal answer, serialized
  auto keep = [&](const google::protobuf::Message& m) { answers.push_back(m.SerializeAsString()); };
  std::vector<std::string> errors;  // every error message
  auto note = [&](const grpc::Status& s) {
    if (!s.ok()) errors.push_back(s.error_message() + " " + s.error_details());
  };
  int reveals = 0;

  // Create, then change every contact value.
  std::vector<v1::Customer> created;
  for (int n = 0; n < 4; ++n) {
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = sys::sample_customer("leak", 90'000'000 + n);
    *request.mutable_customer()->mutable_contact() = secret_contact(n);
    request.set_request_id(fmt::format("leak-create-{}", n));
    v1::Customer out;
    const auto status =
        as(rep, [&](auto& c) { return system.customers().CreateCustomer(&c, request, &out); });
    ASSERT_TRUE(status.ok()) << status.error_message();
    keep(out);
    created.push_back(out);
  }
  {
    v1::UpdateCustomerRequest update;
    update.mutable_customer()->set_name(created[0].name());
    *update.mutable_customer()->mutable_contact() = secret_contact(100);
    update.mutable_update_mask()->add_paths("contact");
    v1::Customer out;
    const auto status =
        as(rep, [&](auto& c) { return system.customers().UpdateCustomer(&c, update, &out); });
    ASSERT_TRUE(status.ok()) << status.error_message();
    keep(out);
  }
  // Refused requests that carry contact values: a duplicate, a bad e-mail.
  {
    v1::CreateCustomerRequest duplicate;
    *duplicate.mutable_customer() = sys::sample_customer("leak-dup", 90'000'050);
    *duplicate.mutable_customer()->mutable_contact() = secret_contact(1);
    v1::Customer out;
    const auto status =
        as(rep, [&](auto& c) { return system.customers().CreateCustomer(&c, duplicate, &out); });
    EXPECT_EQ(testing::code_name(status.error_code()), "ALREADY_EXISTS");
    note(status);
    auto bad = duplicate;
    *bad.mutable_customer()->mutable_contact() = secret_contact(200);
    bad.mutable_customer()->mutable_contact()->set_email("not-an-email-leak-probe-200");
    testing::remember_contact(bad.customer().contact());
    note(as(rep, [&](auto& c) { return system.customers().CreateCustomer(&c, bad, &out); }));
  }
  // Import: new rows, a duplicate of an existing customer, a duplicate within the batch.
  {
    v1::ImportCustomersRequest rows;
    rows.set_request_id("leak-import");
    for (int n = 300; n < 303; ++n) {
      auto& row = *rows.add_customers() = sys::sample_customer("leak-import", 90'000'000 + n);
      *row.mutable_contact() = secret_contact(n);
    }
    auto& dup = *rows.add_customers() = sys::sample_customer("leak-import-dup", 90'000'400);
    *dup.mutable_contact() = secret_contact(2);
    auto& twin = *rows.add_customers() = sys::sample_customer("leak-import-twin", 90'000'401);
    *twin.mutable_contact() = secret_contact(300);
    grpc::ClientContext context;
    sys::prepare(context, rep, seconds(60));
    v1::ImportCustomersResponse imported;
    auto writer = system.customers().ImportCustomers(&context, &imported);
    writer->Write(rows);
    writer->WritesDone();
    const auto status = writer->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(imported.created(), 3);
    EXPECT_EQ(imported.duplicates(), 2);
    keep(imported);
  }
  // Reads: get, list, export (masked only).
  for (const auto& customer : created) {
    v1::GetCustomerRequest get;
    get.set_name(customer.name());
    v1::Customer out;
    ASSERT_TRUE(
        as(manager, [&](auto& c) { return system.customers().GetCustomer(&c, get, &out); }).ok());
    keep(out);
  }
  {
    v1::ListCustomersRequest list;
    list.set_page_size(500);
    v1::ListCustomersResponse out;
    ASSERT_TRUE(
        as(admin, [&](auto& c) { return system.customers().ListCustomers(&c, list, &out); }).ok());
    keep(out);
    grpc::ClientContext context;
    sys::prepare(context, manager);
    auto reader = system.customers().ExportCustomers(&context, v1::ExportCustomersRequest());
    v1::Customer customer;
    int exported = 0;
    while (reader->Read(&customer)) {
      keep(customer);
      ++exported;
    }
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_EQ(exported, 7);
  }
  // Reveals: by the owner, the manager and an admin; a refused one by another rep.
  for (const auto& [bearer, customer] :
       std::vector<std::pair<std::string, std::string>>{{rep, created[0].name()},
                                                        {manager, created[1].name()},
                                                        {admin, created[2].name()},
                                                        {rep, created[0].name()}}) {
    v1::RevealContactRequest reveal;
    reveal.set_name(customer);
    reveal.set_purpose("回电确认报价");
    v1::RevealContactResponse out;
    const auto status =
        as(bearer, [&](auto& c) { return system.customers().RevealContact(&c, reveal, &out); });
    ASSERT_TRUE(status.ok()) << status.error_message();
    ++reveals;
    EXPECT_THAT(out.contact().phone(), ::testing::HasSubstr("158"));  // really in clear
  }
  {
    v1::RevealContactRequest reveal;
    reveal.set_name(created[0].name());
    reveal.set_purpose("snooping");
    v1::RevealContactResponse out;
    const auto status = as(sys::token("rep_other", "rep", "team_leak"), [&](auto& c) {
      return system.customers().RevealContact(&c, reveal, &out);
    });
    EXPECT_EQ(testing::code_name(status.error_code()), "PERMISSION_DENIED");
    EXPECT_FALSE(out.has_contact());
  }
  // Follow-ups with a stage change, an amendment, an attachment.
  for (const auto& customer : created) {
    v1::LogFollowUpRequest log;
    log.mutable_follow_up()->set_customer(customer.name());
    *log.mutable_follow_up()->mutable_happen_time() = ago(seconds(3600));
    log.mutable_follow_up()->set_channel(v1::PHONE);
    log.mutable_follow_up()->set_content("电话沟通需求");
    log.mutable_stage_change()->set_stage(v1::STAGE_INTENTION);
    log.mutable_stage_change()->set_reason("需求明确");
    log.set_request_id("leak-log-" + customer.name());
    v1::LogFollowUpResponse logged;
    const auto status =
        as(rep, [&](auto& c) { return system.followups().LogFollowUp(&c, log, &logged); });
    ASSERT_TRUE(status.ok()) << status.error_message();
    keep(logged);
    v1::AmendFollowUpRequest amend;
    amend.mutable_follow_up()->set_name(logged.follow_up().name());
    amend.mutable_follow_up()->set_feedback("客户满意");
    amend.add_fields("feedback");
    amend.set_reason("补充反馈");
    v1::FollowUp amended;
    ASSERT_TRUE(as(rep, [&](auto& c) {
                  return system.followups().AmendFollowUp(&c, amend, &amended);
                }).ok());
    keep(amended);
    const std::string bytes = "quote";
    v1::UploadAttachmentRequest meta;
    meta.mutable_metadata()->set_follow_up(logged.follow_up().name());
    meta.mutable_metadata()->set_file_name("报价.txt");
    meta.mutable_metadata()->set_content_type("text/plain");
    meta.mutable_metadata()->set_size_bytes(5);
    meta.mutable_metadata()->set_sha256(crypto::sha256_hex(bytes));
    v1::UploadAttachmentRequest chunk;
    chunk.set_chunk(bytes);
    grpc::ClientContext context;
    sys::prepare(context, rep);
    v1::Attachment attachment;
    auto writer = system.followups().UploadAttachment(&context, &attachment);
    writer->Write(meta);
    writer->Write(chunk);
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }
  {
    v1::ListDueFollowUpsRequest due;
    due.set_owner_id("*");
    v1::ListDueFollowUpsResponse out;
    ASSERT_TRUE(as(manager, [&](auto& c) {
                  return system.followups().ListDueFollowUps(&c, due, &out);
                }).ok());
    keep(out);
  }
  // Reports.
  {
    v1::ReportRun run;
    const auto status = as(admin, [&](auto& c) {
      return system.reports().RunReports(&c, v1::RunReportsRequest(), &run);
    });
    ASSERT_TRUE(status.ok()) << status.error_message();
    v1::WeeklyReview review;
    ASSERT_TRUE(as(manager, [&](auto& c) {
                  return system.reports().GetWeeklyReview(&c, v1::GetWeeklyReviewRequest(),
                                                          &review);
                }).ok());
    keep(review);
  }

  const auto clear = testing::clear_contact_values();
  ASSERT_GE(clear.size(), 40U);
  // Sanity: the scan finds what is there.
  ASSERT_THAT(testing::find_in_text("x" + *clear.begin() + "x", clear), ::testing::Not(IsEmpty()));

  const std::string dump = testing::shared_mariadb().dump(db.database);
  ASSERT_THAT(dump, ::testing::HasSubstr("INSERT INTO `customers`"));
  EXPECT_THAT(testing::find_in_text(dump, clear), IsEmpty()) << "clear contact data in the dump";
  EXPECT_THAT(testing::find_in_database(db, clear), IsEmpty())
      << "clear contact data in a cell (base64 decoded too)";
  for (auto* process : system.processes()) {
    const auto log = process->log();
    EXPECT_THAT(testing::find_in_text(log, clear), IsEmpty())
        << "clear contact data in the log of pid " << process->pid();
    EXPECT_THAT(
        testing::find_in_text(testing::http_get(process->metrics_port(), "/metrics"), clear),
        IsEmpty())
        << "clear contact data in /metrics of pid " << process->pid();
  }
  EXPECT_THAT(
      testing::find_in_text(testing::read_file(testing::shared_mariadb().error_log()), clear),
      IsEmpty())
      << "clear contact data in MariaDB's error log";
  for (const auto& answer : answers) {
    EXPECT_THAT(testing::find_in_text(answer, clear), IsEmpty())
        << "clear contact data in an answer";
  }
  for (const auto& error : errors) {
    EXPECT_THAT(testing::find_in_text(error, clear), IsEmpty())
        << "clear contact data in an error: " << error;
  }
  // Every reveal audited, with who and why; the refused one not.
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM contact_reveals"), reveals);
  EXPECT_EQ(sys::count(db, "SELECT COUNT(*) FROM contact_reveals WHERE purpose = '回电确认报价'"),
            reveals);
  EXPECT_EQ(sys::count(db, "SELECT COUNT(DISTINCT actor_id) FROM contact_reveals"), 3);
}

}  // namespace
}  // namespace salesfollow
