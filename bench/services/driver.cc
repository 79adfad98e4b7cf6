#include "driver.h"

#include <atomic>
#include <barrier>
#include <mutex>
#include <set>
#include <thread>

namespace salesfollow::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t ns_between(Clock::time_point from, Clock::time_point to) {
  const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
  return d < 0 ? 0 : static_cast<std::uint64_t>(d);
}

}  // namespace

LoadResult run_load(const LoadSpec& spec, const WorkerFactory& factory) {
  const int n = std::max(1, spec.clients);
  std::vector<std::unique_ptr<Worker>> workers;
  workers.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) workers.push_back(factory(i));  // connect outside the measurement

  std::vector<Histogram> histograms(static_cast<std::size_t>(n));
  std::vector<long long> oks(static_cast<std::size_t>(n), 0);
  std::atomic<long long> errors{0};
  std::atomic<long long> remaining{spec.count > 0 ? spec.count : -1};
  std::mutex error_mutex;
  std::set<std::string> samples;
  Clock::time_point start, measure_from, measure_until;
  std::atomic<bool> stop{false};
  std::barrier sync(n + 1);

  const auto note_error = [&](const std::string& what) {
    errors.fetch_add(1);
    const std::lock_guard lock(error_mutex);
    if (samples.size() < 5) samples.insert(what.substr(0, 300));
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      auto& worker = *workers[static_cast<std::size_t>(i)];
      auto& histogram = histograms[static_cast<std::size_t>(i)];
      long long& ok = oks[static_cast<std::size_t>(i)];
      sync.arrive_and_wait();
      const bool paced = spec.rate > 0;
      const auto interval = paced ? std::chrono::duration<double>(n / spec.rate)
                                  : std::chrono::duration<double>(0);
      auto intended = start + std::chrono::duration_cast<Clock::duration>(interval * i / n);
      for (long long k = 0; !stop.load(std::memory_order_relaxed); ++k) {
        if (paced) {
          intended = start + std::chrono::duration_cast<Clock::duration>(
                                 interval * (static_cast<double>(k) + static_cast<double>(i) / n));
          std::this_thread::sleep_until(intended);
        }
        const auto began = Clock::now();
        if (!paced) intended = began;
        if (began >= measure_until) break;
        const bool measured = intended >= measure_from;
        if (measured && spec.count > 0 && remaining.fetch_sub(1) <= 0) break;
        try {
          worker.call();
          const auto ended = Clock::now();
          if (measured) {
            histogram.record(ns_between(intended, ended));
            ++ok;
          }
        } catch (const std::exception& e) {
          note_error(e.what());
        }
      }
    });
  }
  start = Clock::now();
  measure_from = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(spec.warmup_seconds));
  measure_until = spec.count > 0 ? Clock::time_point::max()
                                 : measure_from + std::chrono::duration_cast<Clock::duration>(
                                                      std::chrono::duration<double>(spec.seconds));
  sync.arrive_and_wait();
  if (spec.count == 0) {
    std::this_thread::sleep_until(measure_until);
    stop = true;
  }
  for (auto& t : threads) t.join();
  const auto ended = Clock::now();

  LoadResult result;
  for (int i = 0; i < n; ++i) {
    result.latency.merge(histograms[static_cast<std::size_t>(i)]);
    result.ok += oks[static_cast<std::size_t>(i)];
  }
  result.errors = errors.load();
  result.seconds =
      std::chrono::duration<double>((spec.count > 0 ? ended : measure_until) - measure_from).count();
  result.throughput = result.seconds > 0 ? static_cast<double>(result.ok) / result.seconds : 0;
  result.error_samples.assign(samples.begin(), samples.end());
  return result;
}

}  // namespace salesfollow::bench
