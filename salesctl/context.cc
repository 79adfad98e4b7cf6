#include "context.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <random>
#include <sstream>

#include "exit_codes.h"
#include "salesfollow/common/grpc_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace salesfollow::salesctl {
namespace {

std::string read_pem(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read {} {}", what, path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string random_request_id() {
  std::random_device device;
  return fmt::format("salesctl-{:08x}{:08x}", device(), device());
}

}  // namespace

int exit_code_for(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitUnavailable;
    case grpc::StatusCode::NOT_FOUND:
      return kExitNotFound;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kExitDenied;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return kExitInvalid;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return kExitConflict;
    default:
      return kExitFailure;
  }
}

std::string describe_status(const grpc::Status& status) {
  std::string text = status_code_name(status.error_code()) + ": " + status.error_message();
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (!any.UnpackTo(&info)) continue;
      if (const auto field = info.metadata().find("field"); field != info.metadata().end())
        text += " (field: " + field->second + ")";
    }
  }
  return text;
}

std::shared_ptr<grpc::ChannelCredentials> channel_credentials(const Settings& settings) {
  if (!settings.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  if (!settings.ca_file.empty()) options.pem_root_certs = read_pem(settings.ca_file, "CA file");
  if (!settings.cert_file.empty()) {
    options.pem_cert_chain = read_pem(settings.cert_file, "certificate file");
    options.pem_private_key = read_pem(settings.key_file, "key file");
  }
  return grpc::SslCredentials(options);
}

Context::Context(Settings settings, std::ostream& out, std::ostream& err, bool stdout_is_terminal)
    : settings_(std::move(settings)),
      out_(out),
      err_(err),
      stdout_is_terminal_(stdout_is_terminal),
      time_(settings_.time_zone) {}

std::shared_ptr<grpc::Channel> Context::channel_to(const std::string& address) {
  auto& channel = channels_[address];
  if (!channel) {
    grpc::ChannelArguments arguments;
    if (!settings_.server_name_override.empty())
      arguments.SetSslTargetNameOverride(settings_.server_name_override);
    arguments.SetMaxReceiveMessageSize(16 * 1024 * 1024);
    channel = grpc::CreateCustomChannel(address, channel_credentials(settings_), arguments);
  }
  return channel;
}

v1::CustomerService::Stub& Context::customers() {
  if (!customers_)
    customers_ = v1::CustomerService::NewStub(channel_to(settings_.customer_service));
  return *customers_;
}

v1::DictionaryService::Stub& Context::dictionaries() {
  if (!dictionaries_)
    dictionaries_ = v1::DictionaryService::NewStub(channel_to(settings_.customer_service));
  return *dictionaries_;
}

v1::FollowUpService::Stub& Context::followups() {
  if (!followups_)
    followups_ = v1::FollowUpService::NewStub(channel_to(settings_.followup_service));
  return *followups_;
}

v1::ReportService::Stub& Context::reports() {
  if (!reports_) reports_ = v1::ReportService::NewStub(channel_to(settings_.report_service));
  return *reports_;
}

std::unique_ptr<grpc::ClientContext> Context::call(bool streaming) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!settings_.token.empty()) context->AddMetadata("authorization", "Bearer " + settings_.token);
  context->AddMetadata("x-request-id", random_request_id());
  if (!streaming) context->set_deadline(std::chrono::system_clock::now() + settings_.timeout);
  return context;
}

void Context::check(const grpc::Status& status, const std::string& what) const {
  if (status.ok()) return;
  std::string message = describe_status(status);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE)
    message += " — is the service running at the configured address?";
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED && settings_.token.empty())
    message += " — no token: pass --token-file or set SALESCTL_TOKEN";
  throw CommandFailed(exit_code_for(status.error_code()), what + ": " + message);
}

std::string message_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = false;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) throw std::runtime_error("cannot print JSON: " + status.ToString());
  return json;
}

void Context::print_json(const google::protobuf::Message& message) {
  out_ << message_json(message) << "\n";
}

void Context::print_table(const Table& table, const std::string& empty_text) {
  if (table.empty()) {
    out_ << empty_text << "\n";
    return;
  }
  out_ << table.render();
}

void Context::print_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  out_ << render_fields(fields);
}

std::string Context::customer_name(const std::string& text) {
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
    return "customers/" + text;
  return text;
}

}  // namespace salesfollow::salesctl
