#include "customer_client.h"

namespace salesfollow::followup_service {

CustomerClient::CustomerClient(std::shared_ptr<grpc::Channel> channel)
    : stub_(v1::CustomerService::NewStub(std::move(channel))) {}

grpc::Status CustomerClient::change_stage(const std::string& authorization,
                                          const v1::ChangeCustomerStageRequest& request,
                                          std::chrono::system_clock::time_point deadline,
                                          v1::ChangeCustomerStageResponse& response) const {
  grpc::ClientContext context;
  context.AddMetadata("authorization", authorization);
  context.set_deadline(deadline);
  return stub_->ChangeCustomerStage(&context, request, &response);
}

}  // namespace salesfollow::followup_service
