// salesfollow-bench-noop: the gRPC floor. Serves SystemService.GetSystemInfo
// without touching a database, on a server built with the settings of
// common/src/process.cc (message size limits, a resource quota bounding the
// threads, default health checking, reflection; plaintext like start-all.sh).
// Not included, because they are the product's own cost: the observing
// interceptor (metrics, logs), authentication, the database.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include <prometheus/registry.h>

#include <soci/mysql/soci-mysql.h>

#include "customer_repository.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/grpc_observer.h"
#include "salesfollow/v1/system.grpc.pb.h"

namespace {

class NoopSystemService final : public salesfollow::v1::SystemService::Service {
 public:
  NoopSystemService(int sleep_us, const salesfollow::TokenVerifier* tokens,
                    salesfollow::ConnectionPool* db, std::uint64_t max_id)
      : sleep_us_(sleep_us), tokens_(tokens), db_(db), max_id_(max_id) {}

 private:
  grpc::Status GetSystemInfo(grpc::ServerContext* context,
                             const salesfollow::v1::GetSystemInfoRequest*,
                             salesfollow::v1::SystemInfo* response) override {
    // --token-secret-file: verify the bearer token as every business call does.
    if (tokens_ != nullptr) {
      try {
        response->set_component(tokens_->authenticate(*context).user_id);
      } catch (const std::exception& e) {
        return {grpc::StatusCode::UNAUTHENTICATED, e.what()};
      }
    }
    // --sleep-us: block the handler thread as a database round trip would
    // (an experiment on the server model, docs/PERFORMANCE.md; 0 = the floor).
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    // --db-port: read a random customer as GetCustomer does (pool + SOCI + repository).
    if (db_ != nullptr) {
      thread_local std::mt19937_64 random{std::random_device{}()};
      const std::uint64_t id = 1 + random() % max_id_;
      if (raw_) {  // the same SELECT as plain libmariadb calls on the pool's session
        db_->run([&](soci::session& sql) {
          auto* conn = static_cast<soci::mysql_session_backend*>(sql.get_backend())->conn_;
          const std::string query = raw_query_ + "'" + std::to_string(id) + "'";
          if (mysql_real_query(conn, query.data(), query.size()) != 0) {
            throw std::runtime_error(mysql_error(conn));
          }
          if (MYSQL_RES* res = mysql_store_result(conn)) mysql_free_result(res);
          return 0;
        });
      } else {
        const auto found = db_->run([&](soci::session& sql) {
          return salesfollow::customer_service::CustomerRepository(sql).find(id, false);
        });
        if (found) response->set_version(found->display_name);
      }
    }
    response->set_component("bench-noop");
    response->set_version("0");
    return grpc::Status::OK;
  }
  int sleep_us_;
  const salesfollow::TokenVerifier* tokens_;
  salesfollow::ConnectionPool* db_;
  std::uint64_t max_id_;

 public:
  bool raw_ = false;
  std::string raw_query_ =
      "SELECT c.id, c.display_name, c.name_key, c.industry, c.source, c.contact_name_enc, "
      "c.contact_name_masked, c.contact_title, c.phone_enc, c.phone_masked, c.phone_bidx, "
      "c.email_enc, c.email_masked, c.email_bidx, c.wechat_enc, c.wechat_masked, "
      "DATE_FORMAT(c.first_contact_date, '%Y-%m-%d'), c.need_description, c.company_size, "
      "c.notes, c.owner_id, c.team_id, c.stage, CAST(UNIX_TIMESTAMP(c.stage_changed_at) * 1000000 "
      "AS SIGNED), c.deleted, CAST(UNIX_TIMESTAMP(c.deleted_at) * 1000000 AS SIGNED), "
      "c.created_by, CAST(UNIX_TIMESTAMP(c.created_at) * 1000000 AS SIGNED), "
      "CAST(UNIX_TIMESTAMP(c.updated_at) * 1000000 AS SIGNED), c.version, (SELECT "
      "GROUP_CONCAT(t.tag ORDER BY t.tag SEPARATOR ',') FROM customer_need_tags t WHERE "
      "t.customer_id = c.id) FROM customers c WHERE c.id = ";
};

std::string flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string listen = flag(argc, argv, "listen", "127.0.0.1:0");
  const int max_threads = std::stoi(flag(argc, argv, "grpc-max-threads", "64"));
  const int max_message = std::stoi(flag(argc, argv, "max-message-bytes", "4194304"));
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Experiments on the server model (docs/PERFORMANCE.md); all off for the floor.
  const salesfollow::SystemClock clock;
  std::unique_ptr<salesfollow::TokenVerifier> tokens;
  if (const std::string file = flag(argc, argv, "token-secret-file", ""); !file.empty()) {
    std::string secret;
    if (std::FILE* in = std::fopen(file.c_str(), "rb")) {
      char buffer[256];
      for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;) secret.append(buffer, n);
      std::fclose(in);
    }
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    tokens = std::make_unique<salesfollow::TokenVerifier>(secret, clock);
  }
  std::unique_ptr<salesfollow::ConnectionPool> db;
  if (const std::string port = flag(argc, argv, "db-port", ""); !port.empty()) {
    salesfollow::DbConfig config;
    config.port = std::stoi(port);
    config.pool_size = std::stoi(flag(argc, argv, "db-pool-size", "16"));
    if (std::FILE* in = std::fopen(flag(argc, argv, "db-password-file", "").c_str(), "rb")) {
      char buffer[256];
      for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;) config.password.append(buffer, n);
      std::fclose(in);
    }
    while (!config.password.empty() && (config.password.back() == '\n')) config.password.pop_back();
    db = std::make_unique<salesfollow::ConnectionPool>(config, nullptr);
  }
  NoopSystemService service(std::stoi(flag(argc, argv, "sleep-us", "0")), tokens.get(), db.get(),
                            std::stoull(flag(argc, argv, "db-max-id", "1000")));
  service.raw_ = flag(argc, argv, "db-mode", "repository") == "raw";
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  grpc::ResourceQuota quota("bench-noop");
  quota.SetMaxThreads(max_threads);
  builder.SetResourceQuota(quota);
  // The sync server's polling threads, with process.cc's defaults.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS,
                              std::stoi(flag(argc, argv, "min-pollers", "4")));
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
      std::stoi(flag(argc, argv, "max-pollers", std::to_string(std::max(1, max_threads / 2)))));
  builder.RegisterService(&service);
  // --observer=1: add the services' observing interceptor (metrics, one JSON
  // log line per call to stdout) - an experiment, not part of the floor.
  prometheus::Registry registry;
  salesfollow::GrpcObserver observer(registry);
  if (flag(argc, argv, "observer", "0") == "1") {
    observer.register_service(salesfollow::v1::SystemService::service_full_name());
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
    factories.push_back(observer.interceptor_factory());
    builder.experimental().SetInterceptorCreators(std::move(factories));
  }
  auto server = builder.BuildAndStart();
  if (!server) {
    std::cerr << "salesfollow-bench-noop: cannot listen on " << listen << "\n";
    return 2;
  }
  std::cout << "listening " << port << std::endl;
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
