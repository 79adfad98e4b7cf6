#include "report_worker_component.h"

int main(int argc, char** argv) {
  using namespace salesfollow;
  return run_process(argc, argv,
                     {.component = "report-worker",
                      .defaults = {.grpc_port = 50053, .metrics_port = 9463},
                      .add_options = report_worker::add_report_worker_options,
                      .create = [](ProcessContext& context) {
                        return std::make_unique<report_worker::ReportWorkerComponent>(context);
                      }});
}
