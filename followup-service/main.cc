#include "followup_component.h"

int main(int argc, char** argv) {
  return salesfollow::run_process(
      argc, argv,
      {.component = "followup-service",
       .defaults = {.grpc_port = 50052, .metrics_port = 9462},
       .add_options = {},
       .create = [](salesfollow::ProcessContext& context) {
         return std::make_unique<salesfollow::followup_service::FollowUpComponent>(context);
       }});
}
