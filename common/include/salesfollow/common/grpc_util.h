// Small helpers shared by the gRPC handlers.
#pragma once

#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/server_context.h>

#include <chrono>
#include <string>

#include "salesfollow/common/clock.h"
#include "salesfollow/common/db_pool.h"

namespace salesfollow {

// How long a handler may still wait for a resource (a pooled connection):
// the client's remaining deadline, capped by `cap`. Never negative.
DbBudget remaining_budget(const grpc::ServerContext& context, std::chrono::milliseconds cap);

// The canonical name of a status code: "NOT_FOUND", "OK", ...; "CODE_<n>"
// for a number outside the enum. (Metric labels use their own CamelCase
// spelling: grpc_observer.cc.)
std::string status_code_name(grpc::StatusCode code);

google::protobuf::Timestamp to_timestamp(TimePoint t);
TimePoint from_timestamp(const google::protobuf::Timestamp& t);

}  // namespace salesfollow
