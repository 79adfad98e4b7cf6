#include "customer_component.h"

int main(int argc, char** argv) {
  return salesfollow::run_process(
      argc, argv,
      {.component = "customer-service",
       .defaults = {.grpc_port = 50051, .metrics_port = 9461},
       .add_options = {},
       .create = [](salesfollow::ProcessContext& context) {
         return std::make_unique<salesfollow::customer_service::CustomerComponent>(context);
       }});
}
