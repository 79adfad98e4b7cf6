#include "customer_component.h"

#include "salesfollow/common/crypto.h"

namespace salesfollow::customer_service {

void add_customer_service_options(Options& options) {
  options.add({"contact-keys", "",
               "contact encryption keyring 'id=BASE64KEY,...' (32-byte keys); prefer "
               "--contact-keys-file",
               true});
  options.add({"contact-keys-file", "", "file holding the keyring (a Kubernetes Secret)"});
  options.add({"contact-active-key", "", "id of the key that encrypts new contact values"});
  options.add({"blind-index-key", "",
               "base64 key (>= 32 bytes) of the blind index used to find duplicate phones and "
               "emails; never rotate it without re-indexing",
               true});
  options.add({"blind-index-key-file", "", "file holding the blind-index key"});
}

CustomerComponent::CustomerComponent(ProcessContext& context) {
  auto& options = context.options;
  if (context.config.token_secret.empty()) {
    options.add_problem("--token-secret (or --token-secret-file) is required");
  }
  ContactKeys keys;
  try {
    keys.encryption_keys = ContactKeys::parse_keyring(options.secret("contact-keys"));
    keys.active_key_id = options.text("contact-active-key");
    if (keys.active_key_id.empty() && keys.encryption_keys.size() == 1) {
      keys.active_key_id = keys.encryption_keys.begin()->first;
    }
    const std::string blind = options.secret("blind-index-key");
    keys.blind_index_key = blind.empty() ? "" : crypto::base64_decode(blind);
    contacts_ = std::make_unique<ContactProtector>(keys);
  } catch (const std::invalid_argument& e) {
    options.add_problem(std::string("contact protection: ") + e.what() +
                        " (see --contact-keys, --contact-active-key, --blind-index-key)");
  }
  options.validate();  // stop here with every problem listed
  tokens_ = std::make_unique<TokenVerifier>(context.config.token_secret, context.clock);
  page_tokens_ = std::make_unique<PageTokenCodec>(
      crypto::hmac_sha256(context.config.token_secret, "salesfollow page tokens"));
  metrics_ = std::make_unique<CustomerMetrics>(context.metrics);
  customer_service_ = std::make_unique<CustomerServiceImpl>(CustomerServiceDeps{
      context.db, context.clock, context.calendar, *tokens_, *contacts_, *page_tokens_, *metrics_});
  dictionary_service_ =
      std::make_unique<DictionaryServiceImpl>(context.db, context.clock, *tokens_, *page_tokens_);
}

std::vector<ServiceBinding> CustomerComponent::services() {
  return {{customer_service_.get(), v1::CustomerService::service_full_name()},
          {dictionary_service_.get(), v1::DictionaryService::service_full_name()}};
}

}  // namespace salesfollow::customer_service
