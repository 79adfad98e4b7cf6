// Shared pieces of the followup-service integration tests: a migrated
// database, customer-service and followup-service started on one test clock,
// bearer tokens for the usual callers, one helper per RPC, readers of the
// error model (google.rpc.ErrorInfo) and of reminder streams.
//
// Everything lives in salesfollow::testing::followup so that it never clashes
// with the customer-service test support linked into the same library.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "child_process.h"
#include "google/rpc/error_details.pb.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/v1/customer.grpc.pb.h"
#include "salesfollow/v1/followup.grpc.pb.h"
#include "status_text.h"
#include "test_clock.h"

namespace salesfollow::testing::followup {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using days = std::chrono::days;

// ---------------------------------------------------------------- time

// parse_rfc3339 or throw: at("2024-03-04T00:00:00Z").
TimePoint at(std::string_view rfc3339);
std::string text(TimePoint t);  // format_rfc3339
google::protobuf::Timestamp timestamp(TimePoint t);
TimePoint time_of(const google::protobuf::Timestamp& t);

// The clock file every process of a test reads "now" from (test_clock.h).
using salesfollow::testing::TestClock;

// ---------------------------------------------------------------- callers

struct User {
  std::string id;
  std::string display_name;
  Role role = Role::rep;
  std::string team;
};

// team1: rep_a (小王), rep_b, mgr_1 (经理); team2: rep_c, mgr_2; admin.
extern const User kRepA;
extern const User kRepB;
extern const User kRepC;
extern const User kManager1;
extern const User kManager2;
extern const User kAdmin;

// Tokens are judged by the process clock (2024 in these tests): the default
// expiry is far after it.
std::string token_for(const User& who, TimePoint expires_at = at("2100-01-01T00:00:00Z"),
                      const std::string& secret = kTestTokenSecret);

// What a call sends as "authorization": a user's valid token, a raw token, or nothing.
class Auth {
 public:
  Auth(const User& who) : bearer_(token_for(who)), label_(who.id) {}  // NOLINT: implicit on purpose
  static Auth raw(std::string token, std::string label) {
    return Auth(std::move(token), std::move(label));
  }
  static Auth none() { return Auth("", "no token"); }
  static Auth expired(const User& who, TimePoint expired_at) {
    return Auth(token_for(who, expired_at), "expired token of " + who.id);
  }
  static Auth bad_signature(const User& who) {
    return Auth(
        token_for(who, at("2100-01-01T00:00:00Z"), "another-secret-that-is-long-enough-0123456789"),
        "token of " + who.id + " with a bad signature");
  }
  const std::string& bearer() const { return bearer_; }
  const std::string& label() const { return label_; }

 private:
  Auth(std::string bearer, std::string label)
      : bearer_(std::move(bearer)), label_(std::move(label)) {}
  std::string bearer_;
  std::string label_;
};

void prepare_context(grpc::ClientContext& context, const Auth& auth,
                     std::chrono::milliseconds deadline = seconds(30));

// ---------------------------------------------------------------- errors

using salesfollow::testing::code_name;
using salesfollow::testing::error_info;
// "INVALID_ARGUMENT: message [INVALID_FIELD field=follow_up.content]"
std::string describe(const grpc::Status& status);

template <typename Response>
struct Reply {
  grpc::Status status;
  Response value;
  bool ok() const { return status.ok(); }
  std::string code() const { return code_name(status.error_code()); }
  std::string message() const { return status.error_message(); }
  std::string reason() const {
    const auto info = error_info(status);
    return info ? info->reason() : "";
  }
  std::string domain() const {
    const auto info = error_info(status);
    return info ? info->domain() : "";
  }
  std::string field() const {
    const auto info = error_info(status);
    if (!info) return "";
    const auto found = info->metadata().find("field");
    return found == info->metadata().end() ? "" : found->second;
  }
};

template <typename Response>
std::ostream& operator<<(std::ostream& out, const Reply<Response>& reply) {
  return out << describe(reply.status);
}

// ---------------------------------------------------------------- requests

struct NewCustomer {
  std::string display_name;
  std::string first_contact_date = "2024-03-01";
  std::string owner_id;  // "" = the caller
  v1::Stage initial_stage = v1::STAGE_UNSPECIFIED;
};

// A valid LogFollowUp request (phone call, content set, no plan, no stage change).
v1::LogFollowUpRequest follow_up_request(const std::string& customer, TimePoint happen_time,
                                         v1::Channel channel = v1::PHONE,
                                         const std::string& content = "电话沟通需求细节");
v1::StageChange stage_change(v1::Stage stage, const std::string& reason,
                             const std::string& loss_reason = "");
v1::PlanInput plan_input(TimePoint plan_time, const std::string& action);

struct Download {
  std::vector<v1::DownloadAttachmentResponse::PartCase> parts;  // in arrival order
  v1::Attachment attachment;                                    // from the first message
  std::string bytes;                                            // the chunks concatenated
  std::size_t largest_chunk = 0;
};

// ---------------------------------------------------------------- reminders

// A WatchReminders call read by a background thread.
class ReminderStream {
 public:
  ReminderStream(v1::FollowUpService::Stub& stub, const Auth& auth, std::optional<TimePoint> since);
  ~ReminderStream();
  ReminderStream(const ReminderStream&) = delete;
  ReminderStream& operator=(const ReminderStream&) = delete;

  // Reminders (not heartbeats) received so far, in arrival order.
  std::vector<v1::Reminder> reminders() const;
  std::vector<v1::Reminder> heartbeats() const;
  // Waits until at least `count` reminders arrived (or the stream ended);
  // returns what arrived.
  std::vector<v1::Reminder> wait_for_reminders(std::size_t count, milliseconds timeout) const;
  std::vector<v1::Reminder> wait_for_heartbeats(std::size_t count, milliseconds timeout) const;
  // Keeps reading for `window` and returns the reminders received by then
  // (for "nothing more arrives").
  std::vector<v1::Reminder> reminders_after(milliseconds window) const;
  // The status the stream ended with, if it ended within `timeout`.
  std::optional<grpc::Status> wait_for_end(milliseconds timeout) const;
  void cancel();

 private:
  bool wait_until(const std::function<bool()>& done, milliseconds timeout) const;

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::Reminder>> reader_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<v1::Reminder> messages_;
  std::optional<grpc::Status> end_;
  std::thread thread_;
};

// ---------------------------------------------------------------- the system

// A migrated database, customer-service on a port of its own (kept across its
// restarts) and followup-service pointing at it, both on one test clock.
class FollowUpSystem {
 public:
  // `followup_args` are added to the defaults (--reminder-scan-interval=200ms).
  explicit FollowUpSystem(TimePoint start, std::vector<std::string> followup_args = {});
  ~FollowUpSystem();

  TestClock& clock() { return clock_; }
  const DbConfig& db() const { return db_; }
  ServiceProcess& customer_process() { return *customer_process_; }
  ServiceProcess& followup_process() { return *followup_process_; }
  std::string customer_log() const;
  std::string followup_log() const;

  // SIGTERM and wait (a clean stop); start again on the same port and clock.
  void stop_customer_service();
  void start_customer_service();
  // Stops followup-service cleanly and starts it again on the same database;
  // `args` replace the extra arguments given so far when set.
  void restart_followup_service(std::optional<std::vector<std::string>> args = std::nullopt);

  v1::CustomerService::Stub& customer_stub() { return *customer_stub_; }
  v1::FollowUpService::Stub& followup_stub() { return *followup_stub_; }

  // ---- customer-service
  Reply<v1::Customer> create_customer(const Auth& auth, const NewCustomer& customer);
  // Creates or throws (the test then fails with the service's answer).
  v1::Customer must_create_customer(const Auth& auth, const NewCustomer& customer);
  Reply<v1::Customer> get_customer(const Auth& auth, const std::string& name);
  Reply<v1::Customer> delete_customer(const Auth& auth, const std::string& name);
  Reply<v1::ChangeCustomerStageResponse> change_stage(const Auth& auth, const std::string& name,
                                                      v1::Stage stage, const std::string& reason,
                                                      const std::string& loss_reason = "");
  Reply<std::vector<v1::StageEvent>> stage_events(const Auth& auth, const std::string& customer);
  // new_team_id "" = the caller's team (customer-service's default).
  Reply<v1::Customer> transfer(const Auth& auth, const std::string& name,
                               const std::string& new_owner_id, const std::string& new_team_id = "");

  // ---- followup-service, one helper per RPC
  Reply<v1::LogFollowUpResponse> log(const Auth& auth, const v1::LogFollowUpRequest& request);
  v1::LogFollowUpResponse must_log(const Auth& auth, const v1::LogFollowUpRequest& request);
  Reply<v1::FollowUp> get_follow_up(const Auth& auth, const std::string& name);
  Reply<v1::ListFollowUpsResponse> list_follow_ups(const Auth& auth, const std::string& customer,
                                                   int page_size = 0,
                                                   const std::string& page_token = "");
  Reply<v1::FollowUp> amend(const Auth& auth, const v1::FollowUp& follow_up,
                            const std::vector<std::string>& fields, const std::string& reason);
  // plan_time unset clears the plan.
  Reply<v1::FollowUpPlan> plan(const Auth& auth, const std::string& customer,
                               std::optional<TimePoint> plan_time, const std::string& action = "");
  Reply<v1::ListDueFollowUpsResponse> due(const Auth& auth, const std::string& owner_id = "");
  Reply<v1::ListStalledCustomersResponse> stalled(const Auth& auth,
                                                  const std::string& owner_id = "");
  Reply<v1::ListHighIntentCustomersResponse> high_intent(const Auth& auth,
                                                         const std::string& owner_id = "");
  Reply<v1::CadencePolicy> get_policy(const Auth& auth, const std::string& team_id = "");
  Reply<v1::CadencePolicy> update_policy(const Auth& auth, const v1::CadencePolicy& policy);
  Reply<v1::CustomerCadence> set_customer_cadence(const Auth& auth, const std::string& customer,
                                                  int interval_days);
  // Sends `metadata`, then `bytes` in chunks of `chunk_size`.
  Reply<v1::Attachment> upload(const Auth& auth, const v1::AttachmentMetadata& metadata,
                               const std::string& bytes, std::size_t chunk_size = 1 << 20);
  // Sends the messages as given (for malformed streams).
  Reply<v1::Attachment> upload_messages(const Auth& auth,
                                        const std::vector<v1::UploadAttachmentRequest>& messages);
  Reply<Download> download(const Auth& auth, const std::string& name);
  Reply<v1::ListAttachmentsResponse> list_attachments(const Auth& auth,
                                                      const std::string& follow_up);
  std::unique_ptr<ReminderStream> watch(const Auth& auth,
                                        std::optional<TimePoint> since = std::nullopt);

  // ---- metrics of followup-service
  std::string metrics_text();
  std::optional<double> metric(const std::string& name,
                               const std::vector<std::pair<std::string, std::string>>& labels = {});
  // Polls /metrics until the sample equals `value`; returns the last value seen.
  std::optional<double> wait_for_metric(
      const std::string& name, const std::vector<std::pair<std::string, std::string>>& labels,
      double value, milliseconds timeout);

 private:
  void start_followup_service();

  TestClock clock_;
  DbConfig db_;
  int customer_port_ = 0;
  std::vector<std::string> followup_args_;
  std::unique_ptr<ServiceProcess> customer_process_;
  std::unique_ptr<ServiceProcess> followup_process_;
  std::unique_ptr<v1::CustomerService::Stub> customer_stub_;
  std::unique_ptr<v1::FollowUpService::Stub> followup_stub_;
  int next_phone_ = 0;
};

// Base fixture: a fresh system per test, its clock at start_time().
class FollowUpTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // 2024-03-04T04:00:00Z = 12:00 on 2024-03-04 in Asia/Shanghai.
  virtual TimePoint start_time() const { return at("2024-03-04T04:00:00Z"); }
  virtual std::vector<std::string> followup_args() const { return {}; }

  FollowUpSystem& sys() { return *system_; }
  TestClock& clock() { return system_->clock(); }

  // A customer created by `owner` (phone, name unique in the test database).
  v1::Customer customer_of(const User& owner, const std::string& display_name,
                           const std::string& first_contact_date = "2024-03-01",
                           v1::Stage initial_stage = v1::STAGE_UNSPECIFIED);

 private:
  std::unique_ptr<FollowUpSystem> system_;
};

// "followUps/12" -> true; "customers/3" -> false, ...
bool is_follow_up_name(const std::string& name);

}  // namespace salesfollow::testing::followup
