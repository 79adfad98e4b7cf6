// The whole system for the reliability and security tests: customer-service,
// followup-service and report-worker on one migrated database, on the real
// clock, with the secrets of test_secrets_environment() (kTestTokenSecret).
// Also: tokens with any claims (including roles the product does not know),
// client contexts with a deadline, and direct SQL on the test database.
#pragma once

#include <grpcpp/grpcpp.h>
#include <soci/soci.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/v1/customer.grpc.pb.h"
#include "salesfollow/v1/dictionary.grpc.pb.h"
#include "salesfollow/v1/followup.grpc.pb.h"
#include "salesfollow/v1/report.grpc.pb.h"

namespace salesfollow::testing::system {

// A token signed with HS256. `role` is free text so that tests can send
// roles the product does not know; `expires_in` may be negative.
std::string token(const std::string& user_id, const std::string& role, const std::string& team_id,
                  std::chrono::seconds expires_in = std::chrono::hours(1),
                  const std::string& secret = kTestTokenSecret);

// Bearer token (none when empty) and a deadline.
void prepare(grpc::ClientContext& context, const std::string& bearer,
             std::chrono::milliseconds deadline = std::chrono::seconds(10));

// A migrated database on `server_db` (see migrated_database in the fixtures).
DbConfig migrate(const DbConfig& db);

// A SOCI session as the service user (TCP, like the services).
std::unique_ptr<soci::session> session(const DbConfig& db);
long long count(const DbConfig& db, const std::string& sql);
// "table=checksum ..." from CHECKSUM TABLE: equal before and after a refused
// request when it wrote nothing.
std::string table_checksums(soci::session& sql, const std::vector<std::string>& tables);

// customer-service + followup-service (+ report-worker when asked) on `db`.
class SystemUnderTest {
 public:
  struct Options {
    bool with_report_worker = false;
    std::vector<std::string> customer_args;
    std::vector<std::string> followup_args;
    std::vector<std::string> report_args;
  };
  SystemUnderTest(DbConfig db, Options options);
  explicit SystemUnderTest(DbConfig db) : SystemUnderTest(std::move(db), Options{}) {}
  ~SystemUnderTest();
  SystemUnderTest(const SystemUnderTest&) = delete;
  SystemUnderTest& operator=(const SystemUnderTest&) = delete;

  const DbConfig& db() const { return db_; }
  ServiceProcess& customer_process() { return *customer_; }
  ServiceProcess& followup_process() { return *followup_; }
  ServiceProcess* report_process() { return report_.get(); }
  // Every running process (for log and /metrics scans).
  std::vector<ServiceProcess*> processes();

  v1::CustomerService::Stub& customers() { return *customer_stub_; }
  v1::DictionaryService::Stub& dictionaries() { return *dictionary_stub_; }
  v1::FollowUpService::Stub& followups() { return *followup_stub_; }
  v1::ReportService::Stub& reports();

 private:
  DbConfig db_;
  std::unique_ptr<ServiceProcess> customer_;
  std::unique_ptr<ServiceProcess> followup_;
  std::unique_ptr<ServiceProcess> report_;
  std::unique_ptr<v1::CustomerService::Stub> customer_stub_;
  std::unique_ptr<v1::DictionaryService::Stub> dictionary_stub_;
  std::unique_ptr<v1::FollowUpService::Stub> followup_stub_;
  std::unique_ptr<v1::ReportService::Stub> report_stub_;
};

// A valid customer whose display name carries `marker` and whose contact
// values are unique to `n`.
v1::Customer sample_customer(const std::string& marker, int n);

// Throws with the process log when the process is not SERVING within 10 s.
void require_serving(ServiceProcess& process, const std::string& what);

}  // namespace salesfollow::testing::system
