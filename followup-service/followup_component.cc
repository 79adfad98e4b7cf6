#include "followup_component.h"

#include "salesfollow/common/crypto.h"

namespace salesfollow::followup_service {

void add_followup_service_options(Options& options) {
  options.add({"customer-service-address", "", "host:port of customer-service (stage changes)"});
  add_tls_client_options(options, "customer-service");
  options.add({"attachment-max-bytes", "20971520", "largest attachment accepted"});
  options.add({"reminder-scan-interval", "1s", "how often due plans become reminders"});
  options.add({"overdue-gauge-interval", "1m",
               "how often the scanner recounts the overdue follow-ups gauge (a scan of every "
               "overdue plan)"});
  options.add({"reminder-heartbeat-interval", "15s",
               "idle WatchReminders streams get a heartbeat this often"});
  options.add({"clock-skew", "5m", "how far in the future a follow-up's time may be"});
  options.add({"max-reminder-streams", "0",
               "most WatchReminders streams open at once (each holds a server thread); 0 = half "
               "of --grpc-max-threads"});
}

FollowUpComponent::FollowUpComponent(ProcessContext& context) {
  auto& options = context.options;
  if (context.config.token_secret.empty()) {
    options.add_problem("--token-secret (or --token-secret-file) is required");
  }
  const std::string address = options.text("customer-service-address");
  if (address.find(':') == std::string::npos) {
    options.add_problem("--customer-service-address must be host:port of customer-service");
  }
  const TlsClientFiles customer_service_tls = read_tls_client_options(options, "customer-service");
  FollowUpSettings settings;
  settings.attachment_max_bytes = options.integer("attachment-max-bytes", 1, 1LL << 30);
  settings.poll_interval = options.duration("reminder-scan-interval", std::chrono::milliseconds(50),
                                            std::chrono::minutes(10));
  const auto overdue_interval = options.duration(
      "overdue-gauge-interval", std::chrono::milliseconds(50), std::chrono::hours(1));
  settings.heartbeat_interval = options.duration(
      "reminder-heartbeat-interval", std::chrono::milliseconds(100), std::chrono::minutes(10));
  settings.clock_skew =
      options.duration("clock-skew", std::chrono::milliseconds(0), std::chrono::hours(1));
  const int max_threads = context.config.grpc_max_threads;
  const auto max_streams = options.integer("max-reminder-streams", 0, max_threads - 1);
  settings.max_reminder_streams =
      max_streams > 0 ? static_cast<int>(max_streams) : std::max(1, max_threads / 2);
  options.validate();
  tokens_ = std::make_unique<TokenVerifier>(context.config.token_secret, context.clock);
  page_tokens_ = std::make_unique<PageTokenCodec>(
      crypto::hmac_sha256(context.config.token_secret, "salesfollow page tokens"));
  customers_ = std::make_unique<CustomerClient>(create_channel(address, customer_service_tls));
  metrics_ = std::make_unique<FollowUpMetrics>(context.metrics);
  service_ = std::make_unique<FollowUpServiceImpl>(
      FollowUpDeps{context.db, context.clock, context.calendar, *tokens_, *page_tokens_,
                   *customers_, *metrics_, settings});
  scanner_ = std::make_unique<ReminderScanner>(context.db, context.clock, context.calendar,
                                               *service_, *metrics_, settings.poll_interval,
                                               overdue_interval);
}

std::vector<ServiceBinding> FollowUpComponent::services() {
  return {{service_.get(), v1::FollowUpService::service_full_name()}};
}

void FollowUpComponent::start() { scanner_->start(); }

void FollowUpComponent::stop() {
  scanner_->stop();
  service_->stop_streams();  // streams end so that draining can finish
}

}  // namespace salesfollow::followup_service
