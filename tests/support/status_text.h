// Readable gRPC statuses for test messages and assertions.
#pragma once

#include <grpcpp/support/status.h>

#include <optional>
#include <string>

#include "google/rpc/error_details.pb.h"

namespace salesfollow::testing {

// "INVALID_ARGUMENT", "OK", ...
std::string code_name(grpc::StatusCode code);
// The google.rpc.ErrorInfo in the status details, if any.
std::optional<google::rpc::ErrorInfo> error_info(const grpc::Status& status);

}  // namespace salesfollow::testing
