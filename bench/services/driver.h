// The load driver: N client threads calling a scenario, closed loop (each
// client sends its next call when the previous one answers) or at a fixed
// aggregate rate (latency measured from the intended start of each call, so
// a stall counts for every call it delays: coordinated omission corrected).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "histogram.h"

namespace salesfollow::bench {

// One client's state (its stub or connection). call() throws on any error.
class Worker {
 public:
  virtual ~Worker() = default;
  virtual void call() = 0;
};

using WorkerFactory = std::function<std::unique_ptr<Worker>(int client)>;

struct LoadSpec {
  int clients = 1;
  double warmup_seconds = 1;
  double seconds = 5;       // measured duration (when count == 0)
  long long count = 0;      // measured calls in all (0: use seconds)
  double rate = 0;          // calls/s in all; 0 = closed loop
};

struct LoadResult {
  Histogram latency;       // ns, measured calls only
  long long ok = 0;
  long long errors = 0;    // measured and warm-up
  double seconds = 0;      // measured wall time
  double throughput = 0;   // ok / seconds
  long long retries = 0;   // ABORTED calls / deadlocked transactions retried (see scenarios.h)
  std::vector<std::string> error_samples;  // first few distinct messages
};

LoadResult run_load(const LoadSpec& spec, const WorkerFactory& factory);

}  // namespace salesfollow::bench
