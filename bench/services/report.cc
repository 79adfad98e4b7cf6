#include "report.h"

#include <fmt/format.h>

#include <iostream>

namespace salesfollow::bench {
namespace {
double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }
}  // namespace

nlohmann::json to_json(const Row& row) {
  const auto& h = row.result.latency;
  nlohmann::json errors = row.result.error_samples;
  return {{"scenario", row.scenario},
          {"variant", row.variant},
          {"clients", row.clients},
          {"offered_rate", row.rate},
          {"unit", row.unit},
          {"throughput", row.throughput},
          {"calls", row.result.ok},
          {"errors", row.result.errors},
          {"retries", row.result.retries},
          {"error_samples", errors},
          {"seconds", row.result.seconds},
          {"latency_ms",
           {{"p50", ms(h.percentile(0.50))},
            {"p90", ms(h.percentile(0.90))},
            {"p99", ms(h.percentile(0.99))},
            {"p999", ms(h.percentile(0.999))},
            {"max", ms(h.max())},
            {"mean", h.mean() / 1e6}}}};
}

void print_rows(const std::vector<Row>& rows) {
  std::cout << fmt::format("\n{:<17} {:<22} {:>3} {:>11} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7}\n",
                           "scenario", "variant", "N", "throughput", "p50 ms", "p90 ms", "p99 ms",
                           "p99.9 ms", "errors", "retries");
  for (const auto& r : rows) {
    const auto& h = r.result.latency;
    std::cout << fmt::format("{:<17} {:<22} {:>3} {:>11.1f} {:>8.2f} {:>8.2f} {:>8.2f} {:>8.2f} {:>7} {:>7}\n",
                             r.scenario, r.variant, r.clients, r.throughput, ms(h.percentile(0.5)),
                             ms(h.percentile(0.9)), ms(h.percentile(0.99)),
                             ms(h.percentile(0.999)), r.result.errors, r.result.retries);
  }
  std::cout.flush();
}

void print_verdicts(const std::vector<Verdict>& verdicts) {
  std::cout << fmt::format("\n{:<17} {:<44} {:>9} {:>9}  {}\n", "scenario", "target", "figure",
                           "needs", "verdict");
  for (const auto& v : verdicts) {
    std::cout << fmt::format("{:<17} {:<44} {:>9.3f} {:>9.3f}  {}{}\n", v.scenario, v.target,
                             v.figure, v.threshold, v.met ? "met" : "MISSED",
                             v.detail.empty() ? "" : " (" + v.detail + ")");
  }
  std::cout.flush();
}

}  // namespace salesfollow::bench
