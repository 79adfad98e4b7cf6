#include "salesfollow/common/metrics.h"

#include <stdexcept>

namespace salesfollow {

MetricsEndpoint::MetricsEndpoint(const std::string& listen_address)
    : registry_(std::make_shared<prometheus::Registry>()) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen_address, 2);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + listen_address + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
}

MetricsEndpoint::~MetricsEndpoint() = default;

int MetricsEndpoint::port() const {
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace salesfollow
