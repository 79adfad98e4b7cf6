#include "report_worker_component.h"

namespace salesfollow::report_worker {

ReportWorkerComponent::ReportWorkerComponent(ProcessContext& context) : context_(context) {}

std::vector<ServiceBinding> ReportWorkerComponent::services() { return {}; }

}  // namespace salesfollow::report_worker
