#include "status_text.h"

#include "google/rpc/status.pb.h"
#include "salesfollow/common/grpc_util.h"

namespace salesfollow::testing {

std::string code_name(grpc::StatusCode code) { return status_code_name(code); }

std::optional<google::rpc::ErrorInfo> error_info(const grpc::Status& status) {
  if (status.error_details().empty()) return std::nullopt;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return std::nullopt;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.Is<google::rpc::ErrorInfo>() && any.UnpackTo(&info)) return info;
  }
  return std::nullopt;
}

}  // namespace salesfollow::testing
