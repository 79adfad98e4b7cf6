#include "followup_component.h"

int main(int argc, char** argv) {
  using namespace salesfollow;
  return run_process(argc, argv,
                     {.component = "followup-service",
                      .defaults = {.grpc_port = 50052, .metrics_port = 9462},
                      .add_options = followup_service::add_followup_service_options,
                      .create = [](ProcessContext& context) {
                        return std::make_unique<followup_service::FollowUpComponent>(context);
                      }});
}
