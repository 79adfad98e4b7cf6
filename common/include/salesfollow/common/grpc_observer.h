// A gRPC server interceptor that makes every call observable:
//  - the go-grpc-prometheus series, so that stock Grafana dashboards work:
//      grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//      grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//      grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method} (histogram)
//      grpc_server_msg_received_total / grpc_server_msg_sent_total
//  - one JSON access-log line per call: request id, method, code, duration;
//  - the request id (client's x-request-id, or a new one) echoed back in the
//    initial metadata.
// Metric handles are created once per method (all codes at once) and looked up
// without locking on the hot path.
#pragma once

#include <grpcpp/support/server_interceptor.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace prometheus {
class Counter;
class Histogram;
}  // namespace prometheus

namespace salesfollow {

class GrpcObserver {
 public:
  explicit GrpcObserver(prometheus::Registry& registry);

  struct MethodMetrics {
    prometheus::Counter* started;
    std::array<prometheus::Counter*, 17> handled;  // by grpc::StatusCode
    prometheus::Histogram* handling_seconds;
    prometheus::Counter* received;
    prometheus::Counter* sent;
  };

  // Creates the series of every method of `service_full_name` up front (from
  // the generated descriptors), so dashboards show zeros instead of gaps.
  void register_service(const std::string& service_full_name);
  // Handles for a full method name ("/pkg.Service/Method"); created on first
  // use for methods not registered up front (e.g. reflection).
  const MethodMetrics& metrics_for(const std::string& full_method,
                                   grpc::experimental::ServerRpcInfo::Type type);

  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> interceptor_factory();

 private:
  MethodMetrics create(const std::string& service, const std::string& method,
                       const std::string& type);

  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& sent_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<MethodMetrics>> by_method_;
};

// The request id of the current call (set by the interceptor), for logs.
std::string request_id_of(const grpc::ServerContextBase& context);

}  // namespace salesfollow
