#include "followup_component.h"

namespace salesfollow::followup_service {

FollowUpComponent::FollowUpComponent(ProcessContext& context) : context_(context) {}

std::vector<ServiceBinding> FollowUpComponent::services() { return {}; }

}  // namespace salesfollow::followup_service
