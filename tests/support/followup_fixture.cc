#include "followup_fixture.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <regex>
#include <stdexcept>

#include "google/rpc/status.pb.h"
#include "grpc_probe.h"
#include "mariadb_server.h"
#include "salesfollow/common/grpc_util.h"

namespace salesfollow::testing::followup {

// ---------------------------------------------------------------- time

TimePoint at(std::string_view rfc3339) {
  const auto parsed = parse_rfc3339(rfc3339);
  if (!parsed)
    throw std::invalid_argument("test: not an RFC 3339 instant: " + std::string(rfc3339));
  return *parsed;
}

std::string text(TimePoint t) { return format_rfc3339(t); }

google::protobuf::Timestamp timestamp(TimePoint t) { return to_timestamp(t); }

TimePoint time_of(const google::protobuf::Timestamp& t) { return from_timestamp(t); }

// ---------------------------------------------------------------- callers

const User kRepA{"rep_a", "小王", Role::rep, "team1"};
const User kRepB{"rep_b", "小李", Role::rep, "team1"};
const User kRepC{"rep_c", "小张", Role::rep, "team2"};
const User kManager1{"mgr_1", "经理", Role::manager, "team1"};
const User kManager2{"mgr_2", "二组经理", Role::manager, "team2"};
const User kAdmin{"admin_1", "管理员", Role::admin, ""};

std::string token_for(const User& who, TimePoint expires_at, const std::string& secret) {
  return sign_token(TokenClaims{.user_id = who.id,
                                .display_name = who.display_name,
                                .role = who.role,
                                .team_id = who.team,
                                .expires_at = expires_at},
                    secret);
}

void prepare_context(grpc::ClientContext& context, const Auth& auth,
                     std::chrono::milliseconds deadline) {
  if (!auth.bearer().empty()) context.AddMetadata("authorization", "Bearer " + auth.bearer());
  context.set_deadline(std::chrono::system_clock::now() + deadline);
}

// ---------------------------------------------------------------- errors

std::string describe(const grpc::Status& status) {
  std::string result = code_name(status.error_code());
  if (status.ok()) return result;
  result += ": " + status.error_message();
  if (const auto info = error_info(status)) {
    result += " [" + info->reason();
    if (info->domain() != "salesfollow.v1") result += " domain=" + info->domain();
    for (const auto& [key, value] : info->metadata()) result += " " + key + "=" + value;
    result += "]";
  } else {
    result += " [no ErrorInfo]";
  }
  return result;
}

// ---------------------------------------------------------------- requests

v1::LogFollowUpRequest follow_up_request(const std::string& customer, TimePoint happen_time,
                                         v1::Channel channel, const std::string& content) {
  v1::LogFollowUpRequest request;
  auto* f = request.mutable_follow_up();
  f->set_customer(customer);
  *f->mutable_happen_time() = timestamp(happen_time);
  f->set_channel(channel);
  f->set_scenario("电话沟通需求细节");
  f->set_content(content);
  return request;
}

v1::StageChange stage_change(v1::Stage stage, const std::string& reason,
                             const std::string& loss_reason) {
  v1::StageChange change;
  change.set_stage(stage);
  change.set_reason(reason);
  change.set_loss_reason(loss_reason);
  return change;
}

v1::PlanInput plan_input(TimePoint plan_time, const std::string& action) {
  v1::PlanInput plan;
  *plan.mutable_plan_time() = timestamp(plan_time);
  plan.set_action(action);
  return plan;
}

bool is_follow_up_name(const std::string& name) {
  static const std::regex pattern("followUps/[1-9][0-9]*");
  return std::regex_match(name, pattern);
}

// ---------------------------------------------------------------- reminders

ReminderStream::ReminderStream(v1::FollowUpService::Stub& stub, const Auth& auth,
                               std::optional<TimePoint> since) {
  prepare_context(context_, auth, std::chrono::minutes(10));
  v1::WatchRemindersRequest request;
  if (since) *request.mutable_since() = timestamp(*since);
  reader_ = stub.WatchReminders(&context_, request);
  thread_ = std::thread([this] {
    v1::Reminder message;
    while (reader_->Read(&message)) {
      std::lock_guard lock(mutex_);
      messages_.push_back(message);
      changed_.notify_all();
    }
    const grpc::Status status = reader_->Finish();
    std::lock_guard lock(mutex_);
    end_ = status;
    changed_.notify_all();
  });
}

ReminderStream::~ReminderStream() {
  cancel();
  if (thread_.joinable()) thread_.join();
}

void ReminderStream::cancel() { context_.TryCancel(); }

std::vector<v1::Reminder> ReminderStream::reminders() const {
  std::lock_guard lock(mutex_);
  std::vector<v1::Reminder> out;
  for (const auto& m : messages_) {
    if (!m.heartbeat()) out.push_back(m);
  }
  return out;
}

std::vector<v1::Reminder> ReminderStream::heartbeats() const {
  std::lock_guard lock(mutex_);
  std::vector<v1::Reminder> out;
  for (const auto& m : messages_) {
    if (m.heartbeat()) out.push_back(m);
  }
  return out;
}

bool ReminderStream::wait_until(const std::function<bool()>& done, milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return done() || end_.has_value(); });
}

std::vector<v1::Reminder> ReminderStream::wait_for_reminders(std::size_t count,
                                                             milliseconds timeout) const {
  wait_until(
      [&] {
        std::size_t n = 0;
        for (const auto& m : messages_) n += m.heartbeat() ? 0u : 1u;
        return n >= count;
      },
      timeout);
  return reminders();
}

std::vector<v1::Reminder> ReminderStream::wait_for_heartbeats(std::size_t count,
                                                              milliseconds timeout) const {
  wait_until(
      [&] {
        std::size_t n = 0;
        for (const auto& m : messages_) n += m.heartbeat() ? 1u : 0u;
        return n >= count;
      },
      timeout);
  return heartbeats();
}

std::vector<v1::Reminder> ReminderStream::reminders_after(milliseconds window) const {
  wait_until([] { return false; }, window);
  return reminders();
}

std::optional<grpc::Status> ReminderStream::wait_for_end(milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return end_.has_value(); });
  return end_;
}

// ---------------------------------------------------------------- the system

namespace {

template <typename Stub, typename Request, typename Response>
Reply<Response> unary(Stub& stub,
                      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                      const Auth& auth, const Request& request) {
  grpc::ClientContext context;
  prepare_context(context, auth);
  Reply<Response> reply;
  reply.status = (stub.*method)(&context, request, &reply.value);
  return reply;
}

DbConfig migrated_database() {
  auto db = fresh_database("fu");
  std::string output;
  if (run_service_to_exit(MIGRATE_BIN, db, {}, output) != 0) {
    throw std::runtime_error("migration failed:\n" + output);
  }
  return db;
}

void require_serving(ServiceProcess& process, const std::string& what) {
  if (!wait_for_health(channel_to(process.grpc_address()), "SERVING", seconds(10))) {
    throw std::runtime_error(what + " is not SERVING:\n" + process.log());
  }
}

}  // namespace

FollowUpSystem::FollowUpSystem(TimePoint start, std::vector<std::string> followup_args)
    : clock_(start),
      db_(migrated_database()),
      customer_port_(free_local_port()),
      followup_args_(std::move(followup_args)) {
  start_customer_service();
  customer_stub_ = v1::CustomerService::NewStub(channel_to(customer_process_->grpc_address()));
  start_followup_service();
}

FollowUpSystem::~FollowUpSystem() = default;

std::string FollowUpSystem::customer_log() const {
  return customer_process_ ? customer_process_->log() : "";
}

std::string FollowUpSystem::followup_log() const {
  return followup_process_ ? followup_process_->log() : "";
}

void FollowUpSystem::start_customer_service() {
  customer_process_.reset();
  customer_process_ = std::make_unique<ServiceProcess>(
      CUSTOMER_SERVICE_BIN, db_,
      std::vector<std::string>{"--grpc-listen=127.0.0.1:" + std::to_string(customer_port_),
                               "--test-clock-file=" + clock_.path().string()});
  require_serving(*customer_process_, "customer-service");
}

void FollowUpSystem::stop_customer_service() {
  if (!customer_process_) return;
  customer_process_->signal(SIGTERM);
  if (!customer_process_->wait_for_exit(seconds(20))) {
    throw std::runtime_error("customer-service did not stop on SIGTERM:\n" +
                             customer_process_->log());
  }
}

void FollowUpSystem::start_followup_service() {
  std::vector<std::string> args = {
      "--customer-service-address=127.0.0.1:" + std::to_string(customer_port_),
      "--test-clock-file=" + clock_.path().string(), "--reminder-scan-interval=200ms",
      "--overdue-gauge-interval=200ms"};
  args.insert(args.end(), followup_args_.begin(), followup_args_.end());
  followup_process_ = std::make_unique<ServiceProcess>(FOLLOWUP_SERVICE_BIN, db_, args);
  require_serving(*followup_process_, "followup-service");
  followup_stub_ = v1::FollowUpService::NewStub(channel_to(followup_process_->grpc_address()));
}

void FollowUpSystem::restart_followup_service(std::optional<std::vector<std::string>> args) {
  if (args) followup_args_ = std::move(*args);
  if (followup_process_) {
    followup_process_->signal(SIGTERM);
    if (!followup_process_->wait_for_exit(seconds(30))) {
      throw std::runtime_error("followup-service did not stop on SIGTERM:\n" +
                               followup_process_->log());
    }
    followup_process_.reset();
  }
  start_followup_service();
}

// ---- customer-service

Reply<v1::Customer> FollowUpSystem::create_customer(const Auth& auth, const NewCustomer& customer) {
  v1::CreateCustomerRequest request;
  auto* c = request.mutable_customer();
  c->set_display_name(customer.display_name);
  c->set_industry("internet");
  c->set_source("trade_show");
  c->mutable_contact()->set_name("王经理");
  c->mutable_contact()->set_phone(fmt::format("139{:08d}", ++next_phone_));
  c->set_first_contact_date(customer.first_contact_date);
  c->add_need_tags("data_analysis_tool");
  c->set_owner_id(customer.owner_id);
  request.set_initial_stage(customer.initial_stage);
  return unary(*customer_stub_, &v1::CustomerService::Stub::CreateCustomer, auth, request);
}

v1::Customer FollowUpSystem::must_create_customer(const Auth& auth, const NewCustomer& customer) {
  auto reply = create_customer(auth, customer);
  if (!reply.ok()) {
    throw std::runtime_error("test set-up: CreateCustomer " + customer.display_name + " as " +
                             auth.label() + " failed: " + describe(reply.status));
  }
  return reply.value;
}

Reply<v1::Customer> FollowUpSystem::get_customer(const Auth& auth, const std::string& name) {
  v1::GetCustomerRequest request;
  request.set_name(name);
  return unary(*customer_stub_, &v1::CustomerService::Stub::GetCustomer, auth, request);
}

Reply<v1::Customer> FollowUpSystem::delete_customer(const Auth& auth, const std::string& name) {
  v1::DeleteCustomerRequest request;
  request.set_name(name);
  return unary(*customer_stub_, &v1::CustomerService::Stub::DeleteCustomer, auth, request);
}

Reply<v1::ChangeCustomerStageResponse> FollowUpSystem::change_stage(
    const Auth& auth, const std::string& name, v1::Stage stage, const std::string& reason,
    const std::string& loss_reason) {
  v1::ChangeCustomerStageRequest request;
  request.set_name(name);
  request.set_stage(stage);
  request.set_reason(reason);
  request.set_loss_reason(loss_reason);
  return unary(*customer_stub_, &v1::CustomerService::Stub::ChangeCustomerStage, auth, request);
}

Reply<v1::Customer> FollowUpSystem::transfer(const Auth& auth, const std::string& name,
                                             const std::string& new_owner_id,
                                             const std::string& new_team_id) {
  v1::TransferCustomerRequest request;
  request.set_name(name);
  request.set_new_owner_id(new_owner_id);
  request.set_new_team_id(new_team_id);
  request.set_reason("客户转交");
  return unary(*customer_stub_, &v1::CustomerService::Stub::TransferCustomer, auth, request);
}

Reply<std::vector<v1::StageEvent>> FollowUpSystem::stage_events(const Auth& auth,
                                                                const std::string& customer) {
  Reply<std::vector<v1::StageEvent>> all;
  v1::ListStageEventsRequest request;
  request.set_parent(customer);
  for (int pages = 0; pages < 100; ++pages) {
    auto page = unary(*customer_stub_, &v1::CustomerService::Stub::ListStageEvents, auth, request);
    if (!page.ok()) {
      all.status = page.status;
      return all;
    }
    for (const auto& event : page.value.stage_events()) all.value.push_back(event);
    if (page.value.next_page_token().empty()) return all;
    request.set_page_token(page.value.next_page_token());
  }
  all.status = grpc::Status(grpc::StatusCode::INTERNAL, "test: more than 100 pages of events");
  return all;
}

// ---- followup-service

Reply<v1::LogFollowUpResponse> FollowUpSystem::log(const Auth& auth,
                                                   const v1::LogFollowUpRequest& request) {
  return unary(*followup_stub_, &v1::FollowUpService::Stub::LogFollowUp, auth, request);
}

v1::LogFollowUpResponse FollowUpSystem::must_log(const Auth& auth,
                                                 const v1::LogFollowUpRequest& request) {
  auto reply = log(auth, request);
  if (!reply.ok()) {
    throw std::runtime_error("test set-up: LogFollowUp on " + request.follow_up().customer() +
                             " as " + auth.label() + " failed: " + describe(reply.status));
  }
  return reply.value;
}

Reply<v1::FollowUp> FollowUpSystem::get_follow_up(const Auth& auth, const std::string& name) {
  v1::GetFollowUpRequest request;
  request.set_name(name);
  return unary(*followup_stub_, &v1::FollowUpService::Stub::GetFollowUp, auth, request);
}

Reply<v1::ListFollowUpsResponse> FollowUpSystem::list_follow_ups(const Auth& auth,
                                                                 const std::string& customer,
                                                                 int page_size,
                                                                 const std::string& page_token) {
  v1::ListFollowUpsRequest request;
  request.set_customer(customer);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return unary(*followup_stub_, &v1::FollowUpService::Stub::ListFollowUps, auth, request);
}

Reply<v1::FollowUp> FollowUpSystem::amend(const Auth& auth, const v1::FollowUp& follow_up,
                                          const std::vector<std::string>& fields,
                                          const std::string& reason) {
  v1::AmendFollowUpRequest request;
  *request.mutable_follow_up() = follow_up;
  for (const auto& f : fields) request.add_fields(f);
  request.set_reason(reason);
  return unary(*followup_stub_, &v1::FollowUpService::Stub::AmendFollowUp, auth, request);
}

Reply<v1::FollowUpPlan> FollowUpSystem::plan(const Auth& auth, const std::string& customer,
                                             std::optional<TimePoint> plan_time,
                                             const std::string& action) {
  v1::PlanNextFollowUpRequest request;
  request.set_customer(customer);
  if (plan_time) {
    *request.mutable_plan() = plan_input(*plan_time, action);
  } else if (!action.empty()) {
    request.mutable_plan()->set_action(action);
  }
  return unary(*followup_stub_, &v1::FollowUpService::Stub::PlanNextFollowUp, auth, request);
}

Reply<v1::ListDueFollowUpsResponse> FollowUpSystem::due(const Auth& auth,
                                                        const std::string& owner_id) {
  v1::ListDueFollowUpsRequest request;
  request.set_owner_id(owner_id);
  request.set_page_size(500);
  return unary(*followup_stub_, &v1::FollowUpService::Stub::ListDueFollowUps, auth, request);
}

Reply<v1::ListStalledCustomersResponse> FollowUpSystem::stalled(const Auth& auth,
                                                                const std::string& owner_id) {
  v1::ListStalledCustomersRequest request;
  request.set_owner_id(owner_id);
  request.set_page_size(500);
  return unary(*followup_stub_, &v1::FollowUpService::Stub::ListStalledCustomers, auth, request);
}

Reply<v1::ListHighIntentCustomersResponse> FollowUpSystem::high_intent(
    const Auth& auth, const std::string& owner_id) {
  v1::ListHighIntentCustomersRequest request;
  request.set_owner_id(owner_id);
  request.set_page_size(500);
  return unary(*followup_stub_, &v1::FollowUpService::Stub::ListHighIntentCustomers, auth, request);
}

Reply<v1::CadencePolicy> FollowUpSystem::get_policy(const Auth& auth, const std::string& team_id) {
  v1::GetCadencePolicyRequest request;
  request.set_team_id(team_id);
  return unary(*followup_stub_, &v1::FollowUpService::Stub::GetCadencePolicy, auth, request);
}

Reply<v1::CadencePolicy> FollowUpSystem::update_policy(const Auth& auth,
                                                       const v1::CadencePolicy& policy) {
  v1::UpdateCadencePolicyRequest request;
  *request.mutable_policy() = policy;
  return unary(*followup_stub_, &v1::FollowUpService::Stub::UpdateCadencePolicy, auth, request);
}

Reply<v1::CustomerCadence> FollowUpSystem::set_customer_cadence(const Auth& auth,
                                                                const std::string& customer,
                                                                int interval_days) {
  v1::SetCustomerCadenceRequest request;
  request.set_customer(customer);
  request.set_interval_days(interval_days);
  return unary(*followup_stub_, &v1::FollowUpService::Stub::SetCustomerCadence, auth, request);
}

Reply<v1::Attachment> FollowUpSystem::upload(const Auth& auth,
                                             const v1::AttachmentMetadata& metadata,
                                             const std::string& bytes, std::size_t chunk_size) {
  std::vector<v1::UploadAttachmentRequest> messages(1);
  *messages[0].mutable_metadata() = metadata;
  for (std::size_t offset = 0; offset < bytes.size(); offset += chunk_size) {
    messages.emplace_back().set_chunk(bytes.substr(offset, chunk_size));
  }
  return upload_messages(auth, messages);
}

Reply<v1::Attachment> FollowUpSystem::upload_messages(
    const Auth& auth, const std::vector<v1::UploadAttachmentRequest>& messages) {
  Reply<v1::Attachment> reply;
  grpc::ClientContext context;
  prepare_context(context, auth, seconds(120));
  auto writer = followup_stub_->UploadAttachment(&context, &reply.value);
  for (const auto& message : messages) {
    if (!writer->Write(message)) break;  // the server answered early; Finish() says why
  }
  writer->WritesDone();
  reply.status = writer->Finish();
  return reply;
}

Reply<Download> FollowUpSystem::download(const Auth& auth, const std::string& name) {
  Reply<Download> reply;
  grpc::ClientContext context;
  prepare_context(context, auth, seconds(120));
  v1::DownloadAttachmentRequest request;
  request.set_name(name);
  auto reader = followup_stub_->DownloadAttachment(&context, request);
  v1::DownloadAttachmentResponse message;
  while (reader->Read(&message)) {
    reply.value.parts.push_back(message.part_case());
    if (message.has_attachment()) {
      reply.value.attachment = message.attachment();
    } else if (message.part_case() == v1::DownloadAttachmentResponse::kChunk) {
      reply.value.bytes += message.chunk();
      reply.value.largest_chunk = std::max(reply.value.largest_chunk, message.chunk().size());
    }
  }
  reply.status = reader->Finish();
  return reply;
}

Reply<v1::ListAttachmentsResponse> FollowUpSystem::list_attachments(const Auth& auth,
                                                                    const std::string& follow_up) {
  v1::ListAttachmentsRequest request;
  request.set_follow_up(follow_up);
  return unary(*followup_stub_, &v1::FollowUpService::Stub::ListAttachments, auth, request);
}

std::unique_ptr<ReminderStream> FollowUpSystem::watch(const Auth& auth,
                                                      std::optional<TimePoint> since) {
  return std::make_unique<ReminderStream>(*followup_stub_, auth, since);
}

// ---- metrics

std::string FollowUpSystem::metrics_text() {
  return http_get(followup_process_->metrics_port(), "/metrics");
}

std::optional<double> FollowUpSystem::metric(
    const std::string& name, const std::vector<std::pair<std::string, std::string>>& labels) {
  return metric_value(metrics_text(), name, labels);
}

std::optional<double> FollowUpSystem::wait_for_metric(
    const std::string& name, const std::vector<std::pair<std::string, std::string>>& labels,
    double value, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto seen = metric(name, labels);
    if (seen == value || std::chrono::steady_clock::now() >= deadline) return seen;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

// ---------------------------------------------------------------- fixture

void FollowUpTest::SetUp() {
  system_ = std::make_unique<FollowUpSystem>(start_time(), followup_args());
}

void FollowUpTest::TearDown() {
  if (HasFailure() && system_) {
    // The processes' logs explain most failures; keep the tail of each.
    const auto tail = [](const std::string& log) {
      constexpr std::size_t kTail = 6000;
      return log.size() > kTail ? "..." + log.substr(log.size() - kTail) : log;
    };
    std::cerr << "--- customer-service log (tail):\n"
              << tail(system_->customer_log()) << "\n"
              << "--- followup-service log (tail):\n"
              << tail(system_->followup_log()) << "\n";
  }
  system_.reset();
}

v1::Customer FollowUpTest::customer_of(const User& owner, const std::string& display_name,
                                       const std::string& first_contact_date,
                                       v1::Stage initial_stage) {
  return sys().must_create_customer(owner, NewCustomer{.display_name = display_name,
                                                       .first_contact_date = first_contact_date,
                                                       .owner_id = "",
                                                       .initial_stage = initial_stage});
}

}  // namespace salesfollow::testing::followup
