// The wiring every process shares: options, clock, metrics endpoint, database
// pool, schema check, gRPC server with health, reflection and the observing
// interceptor, and graceful shutdown on SIGTERM/SIGINT.
//
// A process supplies a ProcessSpec: its name, default ports, extra options and
// a factory for its ProcessComponent (the business services and background
// work). Its main() is one call to run_process().
#pragma once

#include <grpcpp/impl/codegen/service_type.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "salesfollow/common/clock.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/common/log.h"
#include "salesfollow/common/options.h"
#include "salesfollow/common/team_calendar.h"
#include "salesfollow/common/tls.h"

namespace salesfollow {

// Exit codes of every process.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadConfig = 2;
inline constexpr int kExitDatabase = 3;
// The gRPC health service name that is SERVING while the process runs, whatever
// the database does (Kubernetes liveness); "" and the services follow the database.
inline constexpr const char* kLivenessHealthService = "liveness";

struct CommonConfig {
  std::string component;
  std::string grpc_listen;
  std::string metrics_listen;
  DbConfig db;
  std::chrono::milliseconds drain_timeout{};
  std::chrono::milliseconds shutdown_delay{};
  std::chrono::milliseconds health_interval{};
  std::chrono::milliseconds startup_timeout{};
  int max_message_bytes = 0;
  int grpc_max_threads = 0;
  // The sync server's polling threads: fewer idle pollers than the minimum
  // start a thread, more than the maximum end one.
  int grpc_min_pollers = 0;
  int grpc_max_pollers = 0;
  bool migrate_on_start = false;
  std::string test_clock_file;
  log::Level log_level = log::Level::info;
  // Shared secret of the bearer tokens (HS256); empty when not configured.
  std::string token_secret;
  // IANA zone in which days, weeks and months are cut.
  std::string team_timezone;
  TlsServerFiles tls;
};

struct ProcessDefaults {
  int grpc_port;
  int metrics_port;
};

// Declares the options every process has (documented in README.md).
void add_common_options(Options& options, const ProcessDefaults& defaults);
// Reads and checks them; problems are collected in `options` (see validate()).
CommonConfig read_common_config(Options& options, const std::string& component);

struct ProcessContext {
  const CommonConfig& config;
  Options& options;  // for the process's own options
  const Clock& clock;
  const TeamCalendar& calendar;
  ConnectionPool& db;
  prometheus::Registry& metrics;
};

// A gRPC service and its full name ("salesfollow.v1.CustomerService"), which
// health checking and the metrics use. Generated code has the name as
// v1::CustomerService::service_full_name().
struct ServiceBinding {
  grpc::Service* service;
  std::string full_name;
};

// What a process plugs into the shared host.
class ProcessComponent {
 public:
  virtual ~ProcessComponent() = default;
  // The gRPC services to serve; they must outlive the server (owned by the component).
  virtual std::vector<ServiceBinding> services() = 0;
  // Starts background work once the server listens.
  virtual void start() {}
  // Stops background work; called before in-flight calls are drained.
  virtual void stop() {}
  // The process's exit status after a clean stop (a one-shot job may fail).
  virtual int exit_code() const { return 0; }
};

// Asks the process to stop as if it got SIGTERM (for one-shot components).
void request_shutdown();

struct ProcessSpec {
  std::string component;  // "customer-service"
  ProcessDefaults defaults;
  std::function<void(Options&)> add_options;  // may be empty
  std::function<std::unique_ptr<ProcessComponent>(ProcessContext&)> create;
};

int run_process(int argc, char** argv, const ProcessSpec& spec);

}  // namespace salesfollow
