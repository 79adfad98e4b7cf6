// Wires the followup-service's services into the shared process host.
#pragma once

#include "salesfollow/common/process.h"

namespace salesfollow::followup_service {

class FollowUpComponent final : public ProcessComponent {
 public:
  explicit FollowUpComponent(ProcessContext& context);
  std::vector<ServiceBinding> services() override;

 private:
  ProcessContext& context_;
};

}  // namespace salesfollow::followup_service
