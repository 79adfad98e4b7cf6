// Wires the report-worker's services into the shared process host.
#pragma once

#include "salesfollow/common/process.h"

namespace salesfollow::report_worker {

class ReportWorkerComponent final : public ProcessComponent {
 public:
  explicit ReportWorkerComponent(ProcessContext& context);
  std::vector<ServiceBinding> services() override;

 private:
  ProcessContext& context_;
};

}  // namespace salesfollow::report_worker
