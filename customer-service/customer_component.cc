#include "customer_component.h"

namespace salesfollow::customer_service {

CustomerComponent::CustomerComponent(ProcessContext& context) : context_(context) {}

std::vector<ServiceBinding> CustomerComponent::services() { return {}; }

}  // namespace salesfollow::customer_service
