// Wires the customer-service's services into the shared process host.
#pragma once

#include <memory>

#include "contact_protection.h"
#include "customer_service.h"
#include "dictionary_service.h"
#include "salesfollow/common/process.h"

namespace salesfollow::customer_service {

// Declares the options of this process (keys for contact protection).
void add_customer_service_options(Options& options);

class CustomerComponent final : public ProcessComponent {
 public:
  // Reads its options; problems are recorded in context.options.
  explicit CustomerComponent(ProcessContext& context);
  std::vector<ServiceBinding> services() override;

 private:
  std::unique_ptr<TokenVerifier> tokens_;
  std::unique_ptr<ContactProtector> contacts_;
  std::unique_ptr<PageTokenCodec> page_tokens_;
  std::unique_ptr<CustomerMetrics> metrics_;
  std::unique_ptr<CustomerServiceImpl> customer_service_;
  std::unique_ptr<DictionaryServiceImpl> dictionary_service_;
};

}  // namespace salesfollow::customer_service
