#include "salesfollow/common/errors.h"

#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>

#include "salesfollow/common/log.h"

namespace salesfollow {

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
    return {e.code(), e.what()};
  } catch (const DatabaseUnavailable& e) {
    log::warn("database_unavailable", {{"method", method}, {"error", e.what()}});
    return {grpc::StatusCode::UNAVAILABLE, std::string("database unavailable: ") + e.what()};
  } catch (const soci::mysql_soci_error& e) {
    switch (classify_mysql_error(e.err_num_)) {
      case DbErrorKind::connection_lost:
      case DbErrorKind::unavailable:
        log::warn("database_unavailable", {{"method", method}, {"mysql_errno", e.err_num_}});
        return {grpc::StatusCode::UNAVAILABLE, "database unavailable, retry later"};
      case DbErrorKind::retryable:
        log::warn("database_conflict", {{"method", method}, {"mysql_errno", e.err_num_}});
        return {grpc::StatusCode::ABORTED, "concurrent update conflict, retry the request"};
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
