// Wires the customer-service's services into the shared process host.
#pragma once

#include "salesfollow/common/process.h"

namespace salesfollow::customer_service {

class CustomerComponent final : public ProcessComponent {
 public:
  explicit CustomerComponent(ProcessContext& context);
  std::vector<ServiceBinding> services() override;

 private:
  ProcessContext& context_;
};

}  // namespace salesfollow::customer_service
