#include "salesfollow/common/grpc_util.h"

#include <algorithm>

namespace salesfollow {

DbBudget remaining_budget(const grpc::ServerContext& context, std::chrono::milliseconds cap) {
  const auto left = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 context.deadline() - std::chrono::system_clock::now()),
                             std::chrono::milliseconds(0));
  return {std::min(left, cap), left};
}

std::string status_code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "CODE_" + std::to_string(static_cast<int>(code));
  }
}

google::protobuf::Timestamp to_timestamp(TimePoint t) {
  google::protobuf::Timestamp out;
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  out.set_seconds(seconds.time_since_epoch().count());
  out.set_nanos(
      static_cast<int>(std::chrono::duration_cast<std::chrono::nanoseconds>(t - seconds).count()));
  return out;
}

TimePoint from_timestamp(const google::protobuf::Timestamp& t) {
  return TimePoint(std::chrono::seconds(t.seconds())) +
         std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(t.nanos()));
}

}  // namespace salesfollow
