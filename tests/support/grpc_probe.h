// Client-side probes of a running process: health, reflection, metrics.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace salesfollow::testing {

std::shared_ptr<grpc::Channel> channel_to(const std::string& address);

// "SERVING", "NOT_SERVING", ... or the gRPC error code name when the call fails.
std::string health_status(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& service = "");

// Waits until health_status() equals `expected`; false on timeout.
bool wait_for_health(const std::shared_ptr<grpc::Channel>& channel, const std::string& expected,
                     std::chrono::milliseconds timeout);

// Service names listed by server reflection.
std::vector<std::string> reflection_services(const std::shared_ptr<grpc::Channel>& channel);

// Body of GET http://127.0.0.1:port/path (HTTP/1.0); throws on failure.
std::string http_get(int port, const std::string& path);

// The value of one Prometheus sample, found by its exact series text, e.g.
// grpc_server_handled_total{grpc_code="OK",...}; nullopt when absent.
std::optional<double> metric_value(const std::string& metrics_text, const std::string& name,
                                   const std::vector<std::pair<std::string, std::string>>& labels);

}  // namespace salesfollow::testing
