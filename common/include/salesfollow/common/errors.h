// How failures become gRPC statuses.
//
// Business code throws ServiceError with a canonical code and a message that
// says what is wrong; database failures arrive as soci exceptions and are
// classified here, in one place, so every RPC answers the same way:
//   connection lost / refused / pool exhausted -> UNAVAILABLE
//   lock wait timeout, deadlock                -> ABORTED (safe to retry)
//   anything else                              -> INTERNAL (details only in the log)
#pragma once

#include <grpcpp/support/status.h>

#include <exception>
#include <map>
#include <stdexcept>
#include <string>

namespace salesfollow {

// A failure the caller can act on. `reason` is a stable UPPER_SNAKE_CASE
// identifier sent as google.rpc.ErrorInfo (domain "salesfollow.v1") with
// `metadata` (e.g. {"field": "customer.industry"}); `message` says in words
// what is wrong.
class ServiceError : public std::runtime_error {
 public:
  ServiceError(grpc::StatusCode code, std::string reason, const std::string& message,
               std::map<std::string, std::string> metadata = {})
      : std::runtime_error(message),
        code_(code),
        reason_(std::move(reason)),
        metadata_(std::move(metadata)) {}
  grpc::StatusCode code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  grpc::StatusCode code_;
  std::string reason_;
  std::map<std::string, std::string> metadata_;
};

// Shorthands for the common cases.
ServiceError invalid_field(const std::string& field, const std::string& problem);
ServiceError not_found(const std::string& resource);
ServiceError permission_denied(const std::string& message);
ServiceError failed_precondition(const std::string& reason, const std::string& message);
ServiceError etag_mismatch(const std::string& resource);

// A status carrying google.rpc.Status with ErrorInfo in its details.
grpc::Status make_status(grpc::StatusCode code, const std::string& message,
                         const std::string& reason,
                         const std::map<std::string, std::string>& metadata = {});

// The database cannot be reached (down, restarting, or no free connection).
class DatabaseUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class DbErrorKind { connection_lost, unavailable, retryable, other };

// Classifies a MySQL/MariaDB error number.
DbErrorKind classify_mysql_error(unsigned int error_number);

// Converts the exception in flight (call inside a catch block) to a status.
// Unexpected errors are logged with `method` and turned into INTERNAL without
// leaking their text to the caller.
grpc::Status status_from_current_exception(const std::string& method);

// Runs `body` and turns any exception into a status. The usual shape of an RPC:
//   return guarded("CreateCustomer", [&] { ...; return grpc::Status::OK; });
template <typename Body>
grpc::Status guarded(const std::string& method, Body&& body) {
  try {
    return body();
  } catch (...) {
    return status_from_current_exception(method);
  }
}

}  // namespace salesfollow
