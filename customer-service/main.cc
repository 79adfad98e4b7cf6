#include "customer_component.h"

int main(int argc, char** argv) {
  using namespace salesfollow;
  return run_process(argc, argv,
                     {.component = "customer-service",
                      .defaults = {.grpc_port = 50051, .metrics_port = 9461},
                      .add_options = customer_service::add_customer_service_options,
                      .create = [](ProcessContext& context) {
                        return std::make_unique<customer_service::CustomerComponent>(context);
                      }});
}
