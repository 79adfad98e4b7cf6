// Wires the followup-service's services and its reminder scanner into the
// shared process host.
#pragma once

#include <memory>

#include "customer_client.h"
#include "followup_service.h"
#include "reminders.h"
#include "salesfollow/common/process.h"

namespace salesfollow::followup_service {

void add_followup_service_options(Options& options);

class FollowUpComponent final : public ProcessComponent {
 public:
  explicit FollowUpComponent(ProcessContext& context);
  std::vector<ServiceBinding> services() override;
  void start() override;
  void stop() override;

 private:
  std::unique_ptr<TokenVerifier> tokens_;
  std::unique_ptr<PageTokenCodec> page_tokens_;
  std::unique_ptr<CustomerClient> customers_;
  std::unique_ptr<FollowUpMetrics> metrics_;
  std::unique_ptr<FollowUpServiceImpl> service_;
  std::unique_ptr<ReminderScanner> scanner_;
};

}  // namespace salesfollow::followup_service
