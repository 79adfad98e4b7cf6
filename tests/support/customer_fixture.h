// Shared pieces of the customer-service integration tests: a migrated
// database, the service started with test keys, bearer tokens for the usual
// callers, valid customers with unique values, readers of the error model
// (google.rpc.ErrorInfo), and inspection of the database, logs and metrics.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.h"
#include "google/rpc/error_details.pb.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/v1/customer.grpc.pb.h"
#include "salesfollow/v1/dictionary.grpc.pb.h"
#include "status_text.h"

namespace salesfollow::testing {

// ---------------------------------------------------------------- secrets

// The token secret every test service is started with (>= 32 bytes).
inline const std::string kTokenSecret = "customer-service-integration-token-secret-0123456789";

// 32 key bytes derived from a label ("k1", "k2", "blind"): the same label gives
// the same key in every process, so a restarted service can read old rows.
std::string test_key(std::string_view label);
std::string test_key_base64(std::string_view label);

struct ServiceKeys {
  std::vector<std::string> contact_key_ids = {"k1"};  // keyring: id=test_key(id)
  std::string active_key_id = "k1";
  std::string blind_index_label = "blind";
};

// --token-secret, --contact-keys, --contact-active-key, --blind-index-key.
std::vector<std::string> customer_service_args(const ServiceKeys& keys = {});

// A fresh database with every migration applied; throws with the migrator's output.
DbConfig migrated_database(const std::string& prefix);

// ---------------------------------------------------------------- callers

struct Identity {
  std::string user_id;
  Role role = Role::rep;
  std::string team_id;
};

std::string token_for(const Identity& who, std::chrono::seconds valid_for = std::chrono::hours(1),
                      const std::string& secret = kTokenSecret);
// A token whose header says alg "none" and carries no signature.
std::string unsigned_token(const Identity& who);
// A valid token of `who` whose payload was rewritten to claim `claimed_role`
// (the signature no longer matches).
std::string tampered_token(const Identity& who, Role claimed_role);

// ---------------------------------------------------------------- errors

// "PERMISSION_DENIED", "OK", ... (readable in assertion output).
inline std::string code_of(const grpc::Status& status) { return code_name(status.error_code()); }
// ErrorInfo.reason, or "" when the status carries none.
std::string status_reason(const grpc::Status& status);
// ErrorInfo.metadata[key], or "" when absent.
std::string status_metadata(const grpc::Status& status, const std::string& key);
// "INVALID_ARGUMENT: message [INVALID_FIELD field=customer.industry]"
std::string describe(const grpc::Status& status);
// What differs between two messages, field by field ("" when equal).
std::string proto_diff(const google::protobuf::Message& expected,
                       const google::protobuf::Message& actual);

template <typename Response>
struct Reply {
  grpc::Status status;
  Response value;
  bool ok() const { return status.ok(); }
  std::string code() const { return code_of(status); }
  std::string reason() const { return status_reason(status); }
  std::string field() const { return status_metadata(status, "field"); }
};

template <typename Response>
std::ostream& operator<<(std::ostream& out, const Reply<Response>& reply) {
  return out << describe(reply.status);
}

// ---------------------------------------------------------------- the client

struct CreateOptions {
  std::string request_id;
  bool allow_duplicate = false;
  v1::Stage initial_stage = v1::STAGE_UNSPECIFIED;

  static CreateOptions with_request_id(std::string id) {
    CreateOptions options;
    options.request_id = std::move(id);
    return options;
  }
  static CreateOptions duplicate_allowed() {
    CreateOptions options;
    options.allow_duplicate = true;
    return options;
  }
  static CreateOptions starting_at(v1::Stage stage) {
    CreateOptions options;
    options.initial_stage = stage;
    return options;
  }
};

// Stubs of one running customer-service, with one helper per RPC. Every
// contact value sent through create/update/import is remembered (see
// clear_contact_values()) so that scans can look for leaks.
class CustomerApi {
 public:
  explicit CustomerApi(const std::string& address);

  v1::CustomerService::Stub& customers() { return *customers_; }
  v1::DictionaryService::Stub& dictionaries() { return *dictionaries_; }

  Reply<v1::Customer> create(const std::string& token, const v1::Customer& customer,
                             const CreateOptions& options = {});
  Reply<v1::Customer> create(const std::string& token, const v1::CreateCustomerRequest& request);
  Reply<v1::Customer> get(const std::string& token, const std::string& name);
  Reply<v1::Customer> update(const std::string& token, const v1::Customer& customer,
                             const std::vector<std::string>& paths);
  Reply<v1::Customer> remove(const std::string& token, const std::string& name,
                             const std::string& etag = "");
  Reply<v1::Customer> undelete(const std::string& token, const std::string& name);
  Reply<v1::ChangeCustomerStageResponse> change_stage(
      const std::string& token, const v1::ChangeCustomerStageRequest& request);
  Reply<v1::ChangeCustomerStageResponse> change_stage(const std::string& token,
                                                      const std::string& name, v1::Stage stage,
                                                      const std::string& reason,
                                                      const std::string& loss_reason = "");
  Reply<v1::ListStageEventsResponse> list_stage_events(const std::string& token,
                                                       const std::string& parent, int page_size = 0,
                                                       const std::string& page_token = "");
  // Every page of the stage history, oldest first.
  Reply<std::vector<v1::StageEvent>> all_stage_events(const std::string& token,
                                                      const std::string& parent);
  Reply<v1::Customer> transfer(const std::string& token,
                               const v1::TransferCustomerRequest& request);
  Reply<v1::Customer> transfer(const std::string& token, const std::string& name,
                               const std::string& new_owner_id, const std::string& new_team_id,
                               const std::string& reason = "账户调整");
  Reply<v1::RevealContactResponse> reveal(const std::string& token, const std::string& name,
                                          const std::string& purpose = "回电确认报价");
  Reply<v1::ListCustomersResponse> list(const std::string& token,
                                        const v1::ListCustomersRequest& request);
  // Follows next_page_token to the end; stops at the first error.
  Reply<std::vector<v1::Customer>> list_all(const std::string& token,
                                            const std::string& filter = "",
                                            const std::string& order_by = "",
                                            bool show_deleted = false, int page_size = 500);
  Reply<std::vector<v1::Customer>> export_all(const std::string& token,
                                              const std::string& filter = "",
                                              bool show_deleted = false);
  Reply<v1::ImportCustomersResponse> import(
      const std::string& token, const std::vector<v1::ImportCustomersRequest>& messages,
      std::chrono::seconds deadline = std::chrono::seconds(60));

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CustomerService::Stub> customers_;
  std::unique_ptr<v1::DictionaryService::Stub> dictionaries_;
};

// A client context with the bearer token (none when empty) and a deadline.
void prepare_context(grpc::ClientContext& context, const std::string& token,
                     std::chrono::seconds deadline = std::chrono::seconds(30));

template <typename Stub, typename Request, typename Response>
Reply<Response> unary_call(Stub& stub,
                           grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                        Response*),
                           const std::string& token, const Request& request) {
  grpc::ClientContext context;
  prepare_context(context, token);
  Reply<Response> reply;
  reply.status = (stub.*method)(&context, request, &reply.value);
  return reply;
}

// ---------------------------------------------------------------- a service

// customer-service running on its own database (or a given one).
class CustomerServiceUnderTest {
 public:
  CustomerServiceUnderTest(DbConfig db, const ServiceKeys& keys = {},
                           const std::vector<std::string>& more_args = {});
  const DbConfig& db() const { return db_; }
  ServiceProcess& process() { return *process_; }
  CustomerApi& api() { return *api_; }

 private:
  DbConfig db_;
  std::unique_ptr<ServiceProcess> process_;
  std::unique_ptr<CustomerApi> api_;
};

// One service for the whole test binary, started on first use (on a fresh
// database of the shared MariaDB). Null when it could not start; `error` says why.
CustomerServiceUnderTest* shared_customer_service(std::string& error);

v1::Customer valid_customer();  // see "test data" below

// Base fixture of tests that use the shared service.
class CustomerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // On failure, prints the service's warn/error log lines written during the test.
  void TearDown() override;
  CustomerApi& api() { return service_->api(); }
  const DbConfig& db() const { return service_->db(); }
  CustomerServiceUnderTest& service() { return *service_; }
  // Creates as `who`; records a test failure (and returns an empty customer)
  // when the service refuses.
  v1::Customer create_ok(const Identity& who, const v1::Customer& customer,
                         const CreateOptions& options = {});
  v1::Customer create_ok(const Identity& who) { return create_ok(who, valid_customer()); }

 private:
  CustomerServiceUnderTest* service_ = nullptr;
  std::size_t log_offset_ = 0;
};

// The warn and error lines of `log` after `offset` (at most the last 30).
std::string problems_in_log(const std::string& log, std::size_t offset = 0);

// The usual callers (team1: rep_a, rep_b, mgr_1; team2: rep_c, mgr_2).
extern const Identity kRepA;
extern const Identity kRepB;
extern const Identity kRepC;
extern const Identity kManager1;
extern const Identity kManager2;
extern const Identity kAdmin;
extern const Identity kServiceRole;

// A rep (or manager) with an id no other test uses, in a team of their own.
Identity unique_rep(const std::string& label);
Identity manager_of(const Identity& rep);

// ---------------------------------------------------------------- test data

// A number no other call in this test binary gets.
int next_unique();
// A valid customer whose display name, phone, email and WeChat id are unique.
v1::Customer valid_customer();
// "YYYY-MM-DD", `days` from today (UTC).
std::string date_from_today(int days);
// "customers/123" -> 123 (0 when malformed).
unsigned long long customer_id(const std::string& name);

// Every clear contact value (and its normal forms) sent to any service of
// this binary.
std::set<std::string> clear_contact_values();
void remember_contact(const v1::Contact& contact);

// ---------------------------------------------------------------- inspection

std::unique_ptr<soci::session> root_session(const DbConfig& db);
long long count_rows(const DbConfig& db, const std::string& sql);

// "table.column (row n)" for every cell of every table of `db` whose bytes
// (or, when the cell is base64, its decoded bytes) contain one of `needles`.
std::vector<std::string> find_in_database(const DbConfig& db, const std::set<std::string>& needles);
// Every needle found in `text`.
std::vector<std::string> find_in_text(const std::string& text,
                                      const std::set<std::string>& needles);

struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};
std::vector<MetricSample> parse_metrics(const std::string& text);
// Sum of every sample called `name` whose labels include `labels`.
double metric_sum(const std::vector<MetricSample>& samples, const std::string& name,
                  const std::map<std::string, std::string>& labels = {});

}  // namespace salesfollow::testing
