#include "salesfollow/common/grpc_observer.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/server_context.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>

#include "salesfollow/common/log.h"

namespace salesfollow {
namespace {

using Type = grpc::experimental::ServerRpcInfo::Type;
using Hook = grpc::experimental::InterceptionHookPoints;

constexpr const char* kRequestIdHeader = "x-request-id";
constexpr std::size_t kMaxRequestIdLength = 128;

const char* type_label(Type type) {
  switch (type) {
    case Type::UNARY:
      return "unary";
    case Type::CLIENT_STREAMING:
      return "client_stream";
    case Type::SERVER_STREAMING:
      return "server_stream";
    case Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unary";
}

const char* code_label(int code) {
  static constexpr std::array<const char*, 17> names = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  return names.at(static_cast<std::size_t>(code));
}

std::string new_request_id() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return fmt::format("{:016x}", generator());
}

// Request ids of the calls in flight, by server context, so that handlers can
// put them into their own log lines.
class RequestIds {
 public:
  void set(const grpc::ServerContextBase* context, std::string id) {
    const std::lock_guard lock(mutex_);
    ids_[context] = std::move(id);
  }
  void erase(const grpc::ServerContextBase* context) {
    const std::lock_guard lock(mutex_);
    ids_.erase(context);
  }
  std::string get(const grpc::ServerContextBase* context) {
    const std::lock_guard lock(mutex_);
    const auto found = ids_.find(context);
    return found == ids_.end() ? std::string() : found->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<const grpc::ServerContextBase*, std::string> ids_;
};

RequestIds& request_ids() {
  static RequestIds ids;
  return ids;
}

// Keeps only printable ASCII so a hostile header cannot break the log line.
std::string sanitize_request_id(std::string_view raw) {
  std::string id;
  for (const char c : raw.substr(0, kMaxRequestIdLength)) {
    if (c > 32 && c < 127) id += c;
  }
  return id;
}

class ObservingInterceptor final : public grpc::experimental::Interceptor {
 public:
  ObservingInterceptor(grpc::experimental::ServerRpcInfo* info,
                       const GrpcObserver::MethodMetrics& metrics)
      : info_(info), metrics_(metrics), started_(std::chrono::steady_clock::now()) {
    metrics_.started->Increment();
  }

  ~ObservingInterceptor() override {
    if (!finished_) finish(grpc::StatusCode::CANCELLED, "call ended without a status");
    request_ids().erase(info_->server_context());
  }
  ObservingInterceptor(const ObservingInterceptor&) = delete;
  ObservingInterceptor& operator=(const ObservingInterceptor&) = delete;

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      const auto* metadata = methods->GetRecvInitialMetadata();
      if (metadata != nullptr) {
        if (const auto found = metadata->find(kRequestIdHeader); found != metadata->end()) {
          request_id_ = sanitize_request_id({found->second.data(), found->second.size()});
        }
      }
      if (request_id_.empty()) request_id_ = new_request_id();
      request_ids().set(info_->server_context(), request_id_);
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_INITIAL_METADATA)) {
      if (auto* metadata = methods->GetSendInitialMetadata(); metadata != nullptr) {
        metadata->emplace(kRequestIdHeader, request_id_);
      }
    }
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE)) {
      if (methods->GetRecvMessage() != nullptr) {
        metrics_.received->Increment();
      } else {
        message_missing_ = true;  // the end of a client stream, or a message that did not parse
      }
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      // gRPC answers a request it cannot parse (e.g. invalid UTF-8 in a string
      // field) with a bare INTERNAL before any handler runs; our handlers
      // never send INTERNAL without a message. It is the caller's fault.
      if (message_missing_ && status.error_code() == grpc::StatusCode::INTERNAL &&
          status.error_message().empty()) {
        status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "the request is not a valid message (a string field holds invalid "
                              "UTF-8, or the bytes are malformed)");
        methods->ModifySendStatus(status);
      }
      finish(status.error_code(), status.error_message());
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE)) metrics_.sent->Increment();
    methods->Proceed();
  }

 private:
  void finish(grpc::StatusCode code, const std::string& message) {
    finished_ = true;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const auto index = static_cast<std::size_t>(code);
    if (index < metrics_.handled.size()) metrics_.handled.at(index)->Increment();
    metrics_.handling_seconds->Observe(seconds);
    nlohmann::json fields = {
        {"request_id", request_id_},
        {"method", info_->method()},
        {"code", code_label(static_cast<int>(std::min<std::size_t>(index, 16)))},
        {"duration_ms", seconds * 1000.0}};
    // Status messages are written by our handlers and never quote contact data.
    if (code != grpc::StatusCode::OK) fields["message"] = message;
    const bool server_fault = code == grpc::StatusCode::INTERNAL ||
                              code == grpc::StatusCode::UNKNOWN ||
                              code == grpc::StatusCode::DATA_LOSS;
    log::write(server_fault ? log::Level::error : log::Level::info, "rpc", std::move(fields));
  }

  grpc::experimental::ServerRpcInfo* info_;
  const GrpcObserver::MethodMetrics& metrics_;
  std::chrono::steady_clock::time_point started_;
  std::string request_id_;
  bool message_missing_ = false;
  bool finished_ = false;
};

class ObservingInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ObservingInterceptorFactory(GrpcObserver& observer) : observer_(observer) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // gRPC takes ownership of the returned interceptor.
    return new ObservingInterceptor(
        info, observer_.metrics_for(info->method(),
                                    info->type()));  // NOLINT(cppcoreguidelines-owning-memory)
  }

 private:
  GrpcObserver& observer_;
};

}  // namespace

GrpcObserver::GrpcObserver(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, regardless of success or "
                         "failure.")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Histogram of response latency (seconds) of gRPC that had been "
                                  "application-level handled by the server.")
                            .Register(registry)),
      received_(prometheus::BuildCounter()
                    .Name("grpc_server_msg_received_total")
                    .Help("Total number of RPC stream messages received on the server.")
                    .Register(registry)),
      sent_(prometheus::BuildCounter()
                .Name("grpc_server_msg_sent_total")
                .Help("Total number of gRPC stream messages sent by the server.")
                .Register(registry)) {}

GrpcObserver::MethodMetrics GrpcObserver::create(const std::string& service,
                                                 const std::string& method,
                                                 const std::string& type) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  const prometheus::Labels labels = {
      {"grpc_type", type}, {"grpc_service", service}, {"grpc_method", method}};
  MethodMetrics m{};
  m.started = &started_.Add(labels);
  for (std::size_t code = 0; code < m.handled.size(); ++code) {
    auto with_code = labels;
    with_code["grpc_code"] = code_label(static_cast<int>(code));
    m.handled.at(code) = &handled_.Add(with_code);
  }
  m.handling_seconds = &handling_seconds_.Add(labels, kBuckets);
  m.received = &received_.Add(labels);
  m.sent = &sent_.Add(labels);
  return m;
}

void GrpcObserver::register_service(const std::string& service_full_name) {
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_full_name);
  if (service == nullptr) return;
  const std::unique_lock lock(mutex_);
  for (int i = 0; i < service->method_count(); ++i) {
    const auto* method = service->method(i);
    Type type = Type::UNARY;
    if (method->client_streaming() && method->server_streaming()) {
      type = Type::BIDI_STREAMING;
    } else if (method->client_streaming()) {
      type = Type::CLIENT_STREAMING;
    } else if (method->server_streaming()) {
      type = Type::SERVER_STREAMING;
    }
    const std::string full = "/" + service_full_name + "/" + method->name();
    if (by_method_.count(full) == 0) {
      by_method_[full] = std::make_unique<MethodMetrics>(
          create(service_full_name, method->name(), type_label(type)));
    }
  }
}

const GrpcObserver::MethodMetrics& GrpcObserver::metrics_for(const std::string& full_method,
                                                             Type type) {
  {
    const std::shared_lock lock(mutex_);
    if (const auto found = by_method_.find(full_method); found != by_method_.end()) {
      return *found->second;
    }
  }
  // "/pkg.Service/Method" -> service "pkg.Service", method "Method". Names
  // that no compiled-in service defines share one "unknown" series, so that
  // callers cannot grow the label set without bound.
  const auto slash = full_method.rfind('/');
  std::string service =
      slash == std::string::npos || slash == 0 ? "" : full_method.substr(1, slash - 1);
  std::string method = slash == std::string::npos ? "" : full_method.substr(slash + 1);
  std::string key = full_method;
  if (google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(service + "." +
                                                                           method) == nullptr) {
    service = "unknown";
    method = "unknown";
    key = "unknown";
  }
  const std::unique_lock lock(mutex_);
  auto& slot = by_method_[key];
  if (!slot) slot = std::make_unique<MethodMetrics>(create(service, method, type_label(type)));
  return *slot;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
GrpcObserver::interceptor_factory() {
  return std::make_unique<ObservingInterceptorFactory>(*this);
}

std::string request_id_of(const grpc::ServerContextBase& context) {
  return request_ids().get(&context);
}

}  // namespace salesfollow
