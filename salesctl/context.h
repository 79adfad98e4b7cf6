// What a command runs with: the settings, channels and stubs to the three
// services (made on first use), the output streams and format, and the
// translation of a failed call into the service's message and an exit code.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "labels.h"
#include "salesfollow/v1/customer.grpc.pb.h"
#include "salesfollow/v1/dictionary.grpc.pb.h"
#include "salesfollow/v1/followup.grpc.pb.h"
#include "salesfollow/v1/report.grpc.pb.h"
#include "settings.h"
#include "table.h"

namespace salesfollow::salesctl {

// A failure to report as "salesctl: <message>" with `exit_code`.
class CommandFailed : public std::runtime_error {
 public:
  CommandFailed(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// The exit code for a gRPC status code (exit_codes.h).
int exit_code_for(grpc::StatusCode code);
// "NOT_FOUND: customer customers/9 does not exist (field: name)": the
// service's message, the reason's field when the status carries one.
std::string describe_status(const grpc::Status& status);

// Credentials for the settings: TLS with the given roots and client pair, or
// insecure. Throws UsageError when a PEM file cannot be read.
std::shared_ptr<grpc::ChannelCredentials> channel_credentials(const Settings& settings);

class Context {
 public:
  Context(Settings settings, std::ostream& out, std::ostream& err, bool stdout_is_terminal);

  const Settings& settings() const { return settings_; }
  bool json() const { return settings_.json; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  bool terminal() const { return stdout_is_terminal_; }
  const TeamTime& time() const { return time_; }

  v1::CustomerService::Stub& customers();
  v1::DictionaryService::Stub& dictionaries();
  v1::FollowUpService::Stub& followups();
  v1::ReportService::Stub& reports();

  // A context with the bearer token, the deadline and an x-request-id; pass
  // `streaming` for calls that may run as long as the user wants.
  std::unique_ptr<grpc::ClientContext> call(bool streaming = false) const;

  // Throws CommandFailed with the service's message when `status` is not OK.
  void check(const grpc::Status& status, const std::string& what) const;

  // Output helpers.
  void print_json(const google::protobuf::Message& message);
  template <typename Message>
  void print_json_list(const std::string& key, const std::vector<Message>& items);
  void print_table(const Table& table, const std::string& empty_text);
  void print_fields(const std::vector<std::pair<std::string, std::string>>& fields);

  // Customer name from "customers/12" or "12".
  static std::string customer_name(const std::string& text);

 private:
  std::shared_ptr<grpc::Channel> channel_to(const std::string& address);

  Settings settings_;
  std::ostream& out_;
  std::ostream& err_;
  bool stdout_is_terminal_;
  TeamTime time_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  std::unique_ptr<v1::CustomerService::Stub> customers_;
  std::unique_ptr<v1::DictionaryService::Stub> dictionaries_;
  std::unique_ptr<v1::FollowUpService::Stub> followups_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
};

// One JSON value (text) of a message: proto field names, defaults printed.
std::string message_json(const google::protobuf::Message& message);

template <typename Message>
void Context::print_json_list(const std::string& key, const std::vector<Message>& items) {
  out_ << "{\"" << key << "\": [";
  for (std::size_t i = 0; i < items.size(); ++i)
    out_ << (i == 0 ? "\n" : ",\n") << message_json(items[i]);
  out_ << (items.empty() ? "]}\n" : "\n]}\n");
}

}  // namespace salesfollow::salesctl
