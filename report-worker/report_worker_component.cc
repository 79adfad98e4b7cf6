#include "report_worker_component.h"

#include "salesfollow/common/crypto.h"
#include "salesfollow/common/log.h"

namespace salesfollow::report_worker {

void add_report_worker_options(Options& options) {
  options.add({"run-interval", "5m", "how often a scheduled pass runs"});
  options.add({"once", "false", "run one pass and exit (for a Kubernetes CronJob or by hand)",
               false, true});
  options.add(
      {"backfill-from", "", "rebuild every week and month from this day (YYYY-MM-DD), then exit"});
  options.add({"backfill-to", "", "... up to this day (YYYY-MM-DD)"});
  options.add({"read-db-host", "",
               "a replica to read the aggregations from (same port, user and database options as "
               "--read-db-port etc.)"});
  options.add({"read-db-port", "3306", "port of the read replica"});
  options.add({"aggregation-timeout", "1h",
               "bound on one aggregation statement of a pass (the passes' own connections; "
               "--db-read-timeout stays the bound for ReportService calls)"});
}

ReportWorkerComponent::ReportWorkerComponent(ProcessContext& context) {
  auto& options = context.options;
  if (context.config.token_secret.empty()) {
    options.add_problem("--token-secret (or --token-secret-file) is required");
  }
  interval_ =
      options.duration("run-interval", std::chrono::milliseconds(100), std::chrono::hours(24));
  once_ = options.boolean("once");
  const std::string from = options.text("backfill-from");
  const std::string to = options.text("backfill-to");
  if (!from.empty() || !to.empty()) {
    const auto from_day = parse_date(from);
    const auto to_day = parse_date(to);
    if (!from_day || !to_day || *to_day < *from_day) {
      options.add_problem(
          "--backfill-from and --backfill-to must both be dates YYYY-MM-DD, in order");
    } else {
      backfill_ = std::make_pair(*from_day, *to_day);
    }
  }
  const std::string read_host = options.text("read-db-host");
  const int read_port = static_cast<int>(options.integer("read-db-port", 1, 65535));
  const auto aggregation_timeout =
      options.duration("aggregation-timeout", std::chrono::seconds(1), std::chrono::hours(24));
  options.validate();
  // A pass has connections of its own: at 1M customers one period's
  // statements run for minutes, far past what an RPC may wait. Three
  // sessions: the named lock, the reads, the writes.
  DbConfig pass_config = context.config.db;
  pass_config.read_timeout = std::chrono::ceil<std::chrono::seconds>(aggregation_timeout);
  pass_config.write_timeout = pass_config.read_timeout;
  pass_config.pool_size = 6;  // two passes at once (scheduled + RunReportPass) wait on the lock
  pass_pool_ = std::make_unique<ConnectionPool>(pass_config, nullptr);
  if (!read_host.empty()) {
    DbConfig read_config = pass_config;
    read_config.host = read_host;
    read_config.port = read_port;
    read_config.unix_socket.clear();
    read_pool_ = std::make_unique<ConnectionPool>(read_config, nullptr);
  }
  tokens_ = std::make_unique<TokenVerifier>(context.config.token_secret, context.clock);
  page_tokens_ = std::make_unique<PageTokenCodec>(
      crypto::hmac_sha256(context.config.token_secret, "salesfollow page tokens"));
  metrics_ = std::make_unique<ReportMetrics>(context.metrics);
  runner_ = std::make_unique<ReportRunner>(*pass_pool_, read_pool_ ? *read_pool_ : *pass_pool_,
                                           context.clock, context.calendar, *metrics_);
  service_ = std::make_unique<ReportServiceImpl>(context.db, context.clock, context.calendar,
                                                 *tokens_, *page_tokens_, *runner_);
}

ReportWorkerComponent::~ReportWorkerComponent() { stop(); }

std::vector<ServiceBinding> ReportWorkerComponent::services() {
  return {{service_.get(), v1::ReportService::service_full_name()}};
}

void ReportWorkerComponent::start() {
  thread_ = std::thread([this] { schedule_loop(); });
}

void ReportWorkerComponent::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReportWorkerComponent::schedule_loop() {
  if (once_ || backfill_) {
    PassRequest request{backfill_ ? "backfill" : "manual", backfill_};
    try {
      const auto run = runner_->run(request, std::chrono::seconds(60));
      if (!run) {
        log::error("report_pass_skipped", {{"why", "another worker held the lock for 60 s"}});
        exit_code_ = 1;
      } else if (!run->error().empty()) {
        exit_code_ = 1;
      }
    } catch (const std::exception& e) {
      log::error("report_pass_failed", {{"error", e.what()}});
      exit_code_ = 1;
    }
    request_shutdown();
    return;
  }
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      // Another replica running a pass is fine: skip this tick.
      runner_->run({"scheduled", std::nullopt}, std::chrono::seconds(0));
    } catch (const std::exception& e) {
      log::warn("report_pass_failed", {{"error", e.what()}});
    }
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace salesfollow::report_worker
