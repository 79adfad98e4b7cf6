// One Prometheus registry and one HTTP exposer per process.
#pragma once

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace salesfollow {

class MetricsEndpoint {
 public:
  // Serves /metrics on `listen_address` ("0.0.0.0:9464"; port 0 picks a free
  // one). Throws std::runtime_error with the address when it cannot listen.
  explicit MetricsEndpoint(const std::string& listen_address);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }
  int port() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace salesfollow
