#include "salesfollow/common/errors.h"

#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "salesfollow/common/log.h"

namespace salesfollow {

grpc::Status make_status(grpc::StatusCode code, const std::string& message,
                         const std::string& reason,
                         const std::map<std::string, std::string>& metadata) {
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain("salesfollow.v1");
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  details.add_details()->PackFrom(info);
  return {code, message, details.SerializeAsString()};
}

ServiceError invalid_field(const std::string& field, const std::string& problem) {
  return {grpc::StatusCode::INVALID_ARGUMENT,
          "INVALID_FIELD",
          field + ": " + problem,
          {{"field", field}}};
}

ServiceError not_found(const std::string& resource) {
  return {grpc::StatusCode::NOT_FOUND,
          "NOT_FOUND",
          resource + " does not exist",
          {{"resource", resource}}};
}

ServiceError permission_denied(const std::string& message) {
  return {grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED", message};
}

ServiceError failed_precondition(const std::string& reason, const std::string& message) {
  return {grpc::StatusCode::FAILED_PRECONDITION, reason, message};
}

ServiceError etag_mismatch(const std::string& resource) {
  return {grpc::StatusCode::ABORTED,
          "ETAG_MISMATCH",
          resource + " was changed by someone else (etag mismatch); read it again and retry",
          {{"resource", resource}}};
}

DbErrorKind classify_mysql_error(unsigned int error_number) {
  switch (error_number) {
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1927:  // ER_CONNECTION_KILLED
    case 1053:  // ER_SERVER_SHUTDOWN
    case 2026:  // CR_SSL_CONNECTION_ERROR
      return DbErrorKind::connection_lost;
    case 2002:  // CR_CONNECTION_ERROR (socket)
    case 2003:  // CR_CONN_HOST_ERROR
    case 2005:  // CR_UNKNOWN_HOST
    case 1040:  // ER_CON_COUNT_ERROR (too many connections)
    case 1045:  // ER_ACCESS_DENIED_ERROR: a config problem, but the DB is unusable
      return DbErrorKind::unavailable;
    case 1205:  // ER_LOCK_WAIT_TIMEOUT
    case 1213:  // ER_LOCK_DEADLOCK
      return DbErrorKind::retryable;
    default:
      return DbErrorKind::other;
  }
}

grpc::Status status_from_current_exception(const std::string& method) {
  try {
    throw;
  } catch (const ServiceError& e) {
    return make_status(e.code(), e.what(), e.reason(), e.metadata());
  } catch (const DatabaseUnavailable& e) {
    log::warn("database_unavailable", {{"method", method}, {"error", e.what()}});
    return make_status(grpc::StatusCode::UNAVAILABLE,
                       std::string("database unavailable: ") + e.what(), "DATABASE_UNAVAILABLE");
  } catch (const soci::mysql_soci_error& e) {
    switch (classify_mysql_error(e.err_num_)) {
      case DbErrorKind::connection_lost:
      case DbErrorKind::unavailable:
        log::warn("database_unavailable", {{"method", method}, {"mysql_errno", e.err_num_}});
        return make_status(grpc::StatusCode::UNAVAILABLE, "database unavailable, retry later",
                           "DATABASE_UNAVAILABLE");
      case DbErrorKind::retryable:
        log::warn("database_conflict", {{"method", method}, {"mysql_errno", e.err_num_}});
        return make_status(grpc::StatusCode::ABORTED,
                           "concurrent update conflict, retry the request", "CONCURRENT_UPDATE");
      case DbErrorKind::other:
        break;
    }
    // The message may quote SQL values: it goes to the log only, never to the
    // caller, and our SQL binds values instead of splicing them in.
    log::error("database_error", {{"method", method}, {"mysql_errno", e.err_num_}});
    return {grpc::StatusCode::INTERNAL, "internal database error"};
  } catch (const std::exception& e) {
    log::error("internal_error", {{"method", method}, {"error", e.what()}});
    return {grpc::StatusCode::INTERNAL, "internal error"};
  } catch (...) {
    log::error("internal_error", {{"method", method}, {"error", "unknown exception"}});
    return {grpc::StatusCode::INTERNAL, "internal error"};
  }
}

}  // namespace salesfollow
