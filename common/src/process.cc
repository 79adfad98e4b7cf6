#include "salesfollow/common/process.h"

#include <fmt/format.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <prometheus/gauge.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <iostream>
#include <thread>

#include "salesfollow/common/grpc_observer.h"
#include "salesfollow/common/metrics.h"
#include "salesfollow/common/migrations.h"
#include "salesfollow/common/system_service.h"
#include "salesfollow/common/version.h"

namespace salesfollow {
namespace {

// Pings the database periodically and sets the gRPC health status of every
// service: SERVING only while the database answers.
class HealthMonitor {
 public:
  HealthMonitor(ConnectionPool& db, grpc::HealthCheckServiceInterface& health,
                std::vector<std::string> service_names, std::chrono::milliseconds interval)
      : db_(db), health_(health), service_names_(std::move(service_names)), interval_(interval) {}
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;
  ~HealthMonitor() { stop(); }

  void start() {
    check();
    thread_ = std::thread([this] { loop(); });
  }

  void stop() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      check();
      lock.lock();
    }
  }

  void check() {
    const bool serving = db_.ping();
    if (serving != last_) {
      log::write(serving ? log::Level::info : log::Level::warn, "health_changed",
                 {{"serving", serving}, {"database", db_.config().describe()}});
      last_ = serving;
    }
    health_.SetServingStatus("", serving);
    for (const auto& name : service_names_) health_.SetServingStatus(name, serving);
  }

  ConnectionPool& db_;
  grpc::HealthCheckServiceInterface& health_;
  std::vector<std::string> service_names_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<bool> last_;
  std::thread thread_;
};

// Blocks the termination signals in this thread and every thread started
// after it, so that only wait() receives them.
class TerminationSignals {
 public:
  TerminationSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  int wait() const {
    int signal_number = 0;
    sigwait(&set_, &signal_number);
    return signal_number;
  }

 private:
  sigset_t set_{};
};

bool wait_for_database(ConnectionPool& db, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool logged = false;
  while (!db.ping()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (!logged) {
      log::warn("waiting_for_database",
                {{"database", db.config().describe()}, {"timeout_ms", timeout.count()}});
      logged = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return true;
}

}  // namespace

void request_shutdown() { ::kill(::getpid(), SIGTERM); }

void add_common_options(Options& options, const ProcessDefaults& defaults) {
  options.add({"grpc-listen", fmt::format("0.0.0.0:{}", defaults.grpc_port),
               "address the gRPC server listens on (port 0 picks a free port)"});
  options.add({"metrics-listen", fmt::format("0.0.0.0:{}", defaults.metrics_port),
               "address of the Prometheus /metrics endpoint (port 0 picks a free port)"});
  options.add({"db-host", "127.0.0.1", "MySQL/MariaDB host"});
  options.add({"db-port", "3306", "MySQL/MariaDB port"});
  options.add({"db-socket", "", "Unix socket of the database (instead of host and port)"});
  options.add({"db-name", "salesfollow", "database (schema) name"});
  options.add({"db-user", "salesfollow", "database user"});
  options.add({"db-password", "", "database password (prefer --db-password-file)", true});
  options.add({"db-password-file", "", "file holding the database password (a Kubernetes Secret)"});
  options.add({"db-pool-size", "16", "maximum number of database connections"});
  options.add({"db-connect-timeout", "3s", "bound on opening a database connection"});
  options.add({"db-read-timeout", "30s", "bound on waiting for a database answer"});
  options.add({"db-write-timeout", "30s", "bound on sending to the database"});
  options.add({"db-lock-wait-timeout", "5s", "bound on waiting for a row or table lock"});
  options.add({"db-acquire-timeout", "2s", "bound on waiting for a free pooled connection"});
  options.add({"drain-timeout", "20s",
               "on SIGTERM, how long in-flight calls may take before they are cancelled"});
  options.add({"shutdown-delay", "0s",
               "on SIGTERM, how long to keep serving as NOT_SERVING before draining (lets load "
               "balancers notice)"});
  options.add({"health-interval", "1s", "how often the database is pinged for health"});
  options.add({"startup-timeout", "60s", "how long to wait for the database at start-up"});
  options.add({"max-message-bytes", "4194304", "largest gRPC message accepted or sent"});
  options.add({"grpc-max-threads", "64", "upper bound on gRPC server threads"});
  // gRPC's own defaults (1 and 2) make the sync server start and end a thread
  // for nearly every call under concurrent load. Keeping finished threads as
  // pollers served 70% more calls of a blocking no-op handler; in the services
  // the difference was within the benchmark's noise (docs/PERFORMANCE.md,
  // services finding 10).
  options.add({"grpc-min-pollers", "4", "idle gRPC server threads kept waiting for calls"});
  options.add({"grpc-max-pollers", "0",
               "idle gRPC server threads beyond which a thread that finished a call exits; 0 = "
               "half of --grpc-max-threads"});
  options.add(
      {"migrate-on-start", "false", "apply pending migrations before serving", false, true});
  options.add({"test-clock-file", "",
               "TESTS ONLY: read the current time from this file (RFC 3339); never in production"});
  options.add({"log-level", "info", "debug, info, warn or error"});
  options.add(
      {"token-secret", "",
       "shared secret of the bearer tokens (HS256, >= 32 bytes); prefer --token-secret-file",
       true});
  options.add({"token-secret-file", "", "file holding the token secret (a Kubernetes Secret)"});
  options.add(
      {"team-timezone", "Asia/Shanghai", "IANA time zone in which days, weeks and months are cut"});
  add_tls_server_options(options);
}

CommonConfig read_common_config(Options& options, const std::string& component) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  CommonConfig c;
  c.component = component;
  c.grpc_listen = options.text("grpc-listen");
  c.metrics_listen = options.text("metrics-listen");
  for (const char* name : {"grpc-listen", "metrics-listen"}) {
    const std::string value = options.text(name);
    if (value.find(':') == std::string::npos) {
      options.add_problem(fmt::format("--{} must be host:port, got '{}'", name, value));
    }
  }
  c.db.host = options.text("db-host");
  c.db.port = static_cast<int>(options.integer("db-port", 1, 65535));
  c.db.unix_socket = options.text("db-socket");
  c.db.database = options.text("db-name");
  c.db.user = options.text("db-user");
  c.db.password = options.secret("db-password");
  for (const auto* value :
       {&c.db.host, &c.db.unix_socket, &c.db.database, &c.db.user, &c.db.password}) {
    if (value->find('\'') != std::string::npos) {
      options.add_problem("database settings must not contain a single quote (')");
      break;
    }
  }
  if (c.db.database.empty()) options.add_problem("--db-name must not be empty");
  if (c.db.user.empty()) options.add_problem("--db-user must not be empty");
  c.db.pool_size = static_cast<int>(options.integer("db-pool-size", 1, 512));
  const auto whole_seconds = [&](const char* name, seconds max) {
    return std::chrono::duration_cast<seconds>(options.duration(name, seconds(1), max));
  };
  c.db.connect_timeout = whole_seconds("db-connect-timeout", seconds(60));
  c.db.read_timeout = whole_seconds("db-read-timeout", seconds(3600));
  c.db.write_timeout = whole_seconds("db-write-timeout", seconds(3600));
  c.db.lock_wait_timeout = whole_seconds("db-lock-wait-timeout", seconds(3600));
  c.db.acquire_timeout = options.duration("db-acquire-timeout", milliseconds(1), seconds(60));
  c.drain_timeout = options.duration("drain-timeout", milliseconds(0), seconds(600));
  c.shutdown_delay = options.duration("shutdown-delay", milliseconds(0), seconds(600));
  c.health_interval = options.duration("health-interval", milliseconds(50), seconds(60));
  c.startup_timeout = options.duration("startup-timeout", milliseconds(0), seconds(3600));
  c.max_message_bytes =
      static_cast<int>(options.integer("max-message-bytes", 1024, 64 * 1024 * 1024));
  c.grpc_max_threads = static_cast<int>(options.integer("grpc-max-threads", 2, 4096));
  c.grpc_min_pollers = static_cast<int>(options.integer("grpc-min-pollers", 1, 4096));
  c.grpc_max_pollers = static_cast<int>(options.integer("grpc-max-pollers", 0, 4096));
  if (c.grpc_max_pollers == 0) {
    c.grpc_max_pollers = std::max(1, c.grpc_max_threads / 2);
    c.grpc_min_pollers = std::min(c.grpc_min_pollers, c.grpc_max_pollers);
  }
  if (c.grpc_min_pollers > c.grpc_max_pollers || c.grpc_max_pollers >= c.grpc_max_threads) {
    options.add_problem(fmt::format(
        "need --grpc-min-pollers <= --grpc-max-pollers < --grpc-max-threads, got {} / {} / {}",
        c.grpc_min_pollers, c.grpc_max_pollers, c.grpc_max_threads));
  }
  c.migrate_on_start = options.boolean("migrate-on-start");
  c.test_clock_file = options.text("test-clock-file");
  const auto level = log::parse_level(options.text("log-level"));
  if (!level) {
    options.add_problem(fmt::format("--log-level must be debug, info, warn or error, got '{}'",
                                    options.text("log-level")));
  }
  c.log_level = level.value_or(log::Level::info);
  c.team_timezone = options.text("team-timezone");
  try {
    TeamCalendar{c.team_timezone};
  } catch (const std::invalid_argument& e) {
    options.add_problem(std::string("--team-timezone: ") + e.what());
  }
  c.token_secret = options.secret("token-secret");
  if (!c.token_secret.empty() && c.token_secret.size() < 32) {
    options.add_problem("--token-secret must hold at least 32 bytes");
  }
  c.tls = read_tls_server_options(options);
  return c;
}

int run_process(int argc, char** argv, const ProcessSpec& spec) {
  const TerminationSignals signals;  // before any thread starts

  Options options(spec.component);
  add_common_options(options, spec.defaults);
  if (spec.add_options) spec.add_options(options);
  CommonConfig config;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  try {
    if (!options.parse({argv + 1, argv + argc}, current_environment())) return kExitOk;
    config = read_common_config(options, spec.component);
    options.validate();
    credentials = server_credentials(config.tls);  // reads the files: fail before anything starts
  } catch (const ConfigError& e) {
    std::cerr << spec.component << ": " << e.what() << "\n";
    return kExitBadConfig;
  }
  log::init(spec.component, config.log_level);

  std::unique_ptr<Clock> clock;
  try {
    clock = make_clock(config.test_clock_file);
  } catch (const std::exception& e) {
    std::cerr << spec.component << ": " << e.what() << "\n";
    return kExitBadConfig;
  }

  std::unique_ptr<MetricsEndpoint> metrics;
  try {
    metrics = std::make_unique<MetricsEndpoint>(config.metrics_listen);
  } catch (const std::exception& e) {
    std::cerr << spec.component << ": " << e.what() << "\n";
    return kExitBadConfig;
  }
  prometheus::BuildGauge()
      .Name("salesfollow_build_info")
      .Help("Always 1; labels say which build runs")
      .Register(metrics->registry())
      .Add({{"component", spec.component}, {"version", kVersion}})
      .Set(1);
  prometheus::BuildGauge()
      .Name("salesfollow_test_clock_enabled")
      .Help("1 when the process runs on a test clock (must be 0 in production)")
      .Register(metrics->registry())
      .Add({})
      .Set(clock->is_test_clock() ? 1 : 0);
  if (clock->is_test_clock()) {
    log::warn("TEST_CLOCK_ENABLED",
              {{"file", config.test_clock_file},
               {"now", format_rfc3339(clock->now())},
               {"note", "time comes from a file; never run this in production"}});
  }

  ConnectionPool db(config.db, &metrics->registry());
  if (!wait_for_database(db, config.startup_timeout)) {
    log::error("database_unreachable", {{"database", config.db.describe()}});
    std::cerr << spec.component << ": database " << config.db.describe()
              << " unreachable within the start-up timeout\n";
    return kExitDatabase;
  }
  const auto& migrations = embedded_migrations();
  const int required_version = migrations.empty() ? 0 : migrations.back().version;
  try {
    auto lease = db.acquire();
    Migrator migrator(lease.session(), *clock, spec.component);
    if (config.migrate_on_start) migrator.apply(migrations);
    migrator.verify(migrations, required_version);
  } catch (const std::exception& e) {
    log::error("schema_check_failed", {{"error", e.what()}});
    std::cerr << spec.component << ": " << e.what() << "\n";
    return kExitDatabase;
  }

  const TeamCalendar calendar(config.team_timezone);
  ProcessContext context{config, options, *clock, calendar, db, metrics->registry()};
  std::unique_ptr<ProcessComponent> component;
  try {
    component = spec.create(context);
    options.validate();  // the component's own options
  } catch (const ConfigError& e) {
    std::cerr << spec.component << ": " << e.what() << "\n";
    return kExitBadConfig;
  }
  SystemServiceImpl system_service(spec.component, required_version, db, *clock);
  GrpcObserver observer(metrics->registry());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(config.grpc_listen, credentials, &grpc_port);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  builder.SetMaxSendMessageSize(config.max_message_bytes);
  grpc::ResourceQuota quota(spec.component);
  quota.SetMaxThreads(config.grpc_max_threads);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS,
                              config.grpc_min_pollers);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              config.grpc_max_pollers);

  std::vector<ServiceBinding> services = component->services();
  services.push_back({&system_service, v1::SystemService::service_full_name()});
  std::vector<std::string> service_names;
  for (const auto& binding : services) {
    builder.RegisterService(binding.service);
    service_names.push_back(binding.full_name);
    observer.register_service(binding.full_name);
  }
  observer.register_service("grpc.health.v1.Health");

  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(observer.interceptor_factory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  const std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::cerr << spec.component << ": cannot listen for gRPC on " << config.grpc_listen << "\n";
    return kExitBadConfig;
  }
  auto* health = server->GetHealthCheckService();
  HealthMonitor health_monitor(db, *health, service_names, config.health_interval);
  health_monitor.start();
  // "liveness" answers SERVING while the process runs, whatever the database
  // does: a Kubernetes liveness probe on it does not restart every pod during a
  // database outage (readiness probes "", which follows the database).
  health->SetServingStatus(kLivenessHealthService, true);
  component->start();
  log::info("listening", {{"grpc_port", grpc_port},
                          {"metrics_port", metrics->port()},
                          {"database", config.db.describe()},
                          {"schema_version", required_version},
                          {"tls", config.tls.enabled()},
                          {"client_certificates", !config.tls.client_ca_file.empty()},
                          {"version", kVersion}});

  const int signal_number = signals.wait();
  log::info("shutdown_requested",
            {{"signal", signal_number}, {"drain_timeout_ms", config.drain_timeout.count()}});
  // A handler stuck past the drain deadline (e.g. blocked in the database
  // until its read timeout) must not keep the process alive for ever.
  std::thread([limit = config.drain_timeout + config.shutdown_delay + std::chrono::seconds(10)] {
    std::this_thread::sleep_for(limit);
    log::error("shutdown_timed_out", {{"after_ms", limit.count()}});
    std::_Exit(kExitFailure);
  }).detach();
  health_monitor.stop();
  health->SetServingStatus(false);
  if (config.shutdown_delay.count() > 0) std::this_thread::sleep_for(config.shutdown_delay);
  component->stop();
  // Stops accepting calls, lets in-flight ones finish, cancels what is left at the deadline.
  server->Shutdown(std::chrono::system_clock::now() + config.drain_timeout);
  server->Wait();
  log::info("stopped", {{"exit_code", component->exit_code()}});
  return component->exit_code();
}

}  // namespace salesfollow
