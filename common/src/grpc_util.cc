#include "salesfollow/common/grpc_util.h"

#include <algorithm>

namespace salesfollow {

DbBudget remaining_budget(const grpc::ServerContext& context, std::chrono::milliseconds cap) {
  const auto left = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 context.deadline() - std::chrono::system_clock::now()),
                             std::chrono::milliseconds(0));
  return {std::min(left, cap), left};
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
