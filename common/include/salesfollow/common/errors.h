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
#include <stdexcept>
#include <string>

namespace salesfollow {

class ServiceError : public std::runtime_error {
 public:
  ServiceError(grpc::StatusCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  grpc::StatusCode code() const { return code_; }

 private:
  grpc::StatusCode code_;
};

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
