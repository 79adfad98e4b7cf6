#include "report_worker_component.h"

int main(int argc, char** argv) {
  return salesfollow::run_process(
      argc, argv,
      {.component = "report-worker",
       .defaults = {.grpc_port = 50053, .metrics_port = 9463},
       .add_options = {},
       .create = [](salesfollow::ProcessContext& context) {
         return std::make_unique<salesfollow::report_worker::ReportWorkerComponent>(context);
       }});
}
