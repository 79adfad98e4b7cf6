// salesfollow-bench-noop: the gRPC floor. Serves SystemService.GetSystemInfo
// without touching a database, on a server built with the settings of
// common/src/process.cc (message size limits, a resource quota bounding the
// threads, default health checking, reflection; plaintext like start-all.sh).
// Not included, because they are the product's own cost: the observing
// interceptor (metrics, logs), authentication, the database.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <csignal>
#include <iostream>
#include <string>
#include <thread>

#include <prometheus/registry.h>

#include "salesfollow/common/grpc_observer.h"
#include "salesfollow/v1/system.grpc.pb.h"

namespace {

class NoopSystemService final : public salesfollow::v1::SystemService::Service {
 public:
  explicit NoopSystemService(int sleep_us) : sleep_us_(sleep_us) {}

 private:
  grpc::Status GetSystemInfo(grpc::ServerContext*, const salesfollow::v1::GetSystemInfoRequest*,
                             salesfollow::v1::SystemInfo* response) override {
    // --sleep-us: block the handler thread as a database round trip would
    // (an experiment on the server model, docs/PERFORMANCE.md; 0 = the floor).
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    response->set_component("bench-noop");
    response->set_version("0");
    return grpc::Status::OK;
  }
  int sleep_us_;
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

  NoopSystemService service(std::stoi(flag(argc, argv, "sleep-us", "0")));
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
