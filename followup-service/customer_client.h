// followup-service's way to customer-service: stage changes go through its
// API (same rules, same history), with the caller's own bearer token, so
// customer-service applies the caller's scope and records the right actor.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "salesfollow/v1/customer.grpc.pb.h"

namespace salesfollow::followup_service {

class CustomerClient {
 public:
  explicit CustomerClient(std::shared_ptr<grpc::Channel> channel);

  // Returns customer-service's status unchanged (with its error details), so
  // the caller sees the same answer as when calling it directly.
  grpc::Status change_stage(const std::string& authorization,
                            const v1::ChangeCustomerStageRequest& request,
                            std::chrono::system_clock::time_point deadline,
                            v1::ChangeCustomerStageResponse& response) const;

 private:
  std::unique_ptr<v1::CustomerService::Stub> stub_;
};

}  // namespace salesfollow::followup_service
