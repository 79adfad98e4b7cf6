// salesfollow-loadgen: drives customer-service and followup-service with N
// concurrent clients and measures, in the same run and at the same
// concurrency, the floors of each scenario: the raw database (the same SQL
// through libmariadb) and gRPC (a no-op method on salesfollow-bench-noop).
// bench/services/run.sh starts everything; see docs/PERFORMANCE.md.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "report.h"
#include "salesfollow/common/auth.h"
#include "scenarios.h"

namespace salesfollow::bench {
namespace {

struct Args {
  std::map<std::string, std::string> values;
  std::string get(const std::string& name, const std::string& fallback = "") const {
    const auto found = values.find(name);
    return found == values.end() ? fallback : found->second;
  }
};

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help") {
      std::cout << "salesfollow-loadgen --customer-service=H:P --followup-service=H:P --noop=H:P\n"
                   "  --db-host --db-port --db-user --db-password-file --db-name\n"
                   "  --token-secret-file=F  --reps=16  --per-rep=2000\n"
                   "  --clients=16 --warmup=2 --seconds=10 --import-rows=100000\n"
                   "  --scenarios=CreateCustomer,GetCustomer,ListCustomers,ImportCustomers,"
                   "LogFollowUp,ListDueFollowUps (default all)\n"
                   "  --variants=service,db,grpc,half (default all)\n"
                   "  --pids=customer-service:PID,followup-service:PID  --json=FILE\n";
      std::exit(0);
    }
    if (arg.rfind("--", 0) != 0) throw std::runtime_error("unexpected argument " + arg);
    const auto eq = arg.find('=');
    if (eq == std::string::npos) throw std::runtime_error("expected --name=value: " + arg);
    args.values[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
  }
  return args;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, sep);) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// C stdio: GCC 12's -Wnull-dereference misfires on istreambuf_iterator at -O2.
std::string read_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) throw std::runtime_error("cannot read " + path);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
  std::fclose(file);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// RSS of the services from /proc/PID/status, sampled every 100 ms.
class MemorySampler {
 public:
  explicit MemorySampler(std::map<std::string, int> pids) : pids_(std::move(pids)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        {
          const std::lock_guard lock(mutex_);
          for (const auto& [name, pid] : pids_) {
            const double rss = status_mb(pid, "VmRSS:");
            auto& peak = phase_peak_[name];
            peak = std::max(peak, rss);
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  ~MemorySampler() {
    stop_ = true;
    thread_.join();
  }
  static double status_mb(int pid, const std::string& field) {
    std::FILE* file = std::fopen(fmt::format("/proc/{}/status", pid).c_str(), "r");
    if (file == nullptr) return 0;
    double mb = 0;
    char line[256];
    while (std::fgets(line, sizeof line, file) != nullptr) {
      if (std::string_view(line).substr(0, field.size()) == field) {
        mb = std::strtod(line + field.size(), nullptr) / 1024.0;
        break;
      }
    }
    std::fclose(file);
    return mb;
  }
  // Peak RSS per service since the last call.
  std::map<std::string, double> take_phase() {
    const std::lock_guard lock(mutex_);
    auto peaks = phase_peak_;
    phase_peak_.clear();
    return peaks;
  }
  const std::map<std::string, int>& pids() const { return pids_; }

 private:
  std::map<std::string, int> pids_;
  std::mutex mutex_;
  std::map<std::string, double> phase_peak_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

int run(int argc, char** argv) {
  const Args args = parse(argc, argv);
  Context context;
  context.customer_address = args.get("customer-service", "127.0.0.1:50051");
  context.followup_address = args.get("followup-service", "127.0.0.1:50052");
  context.noop_address = args.get("noop", "");
  context.db.host = args.get("db-host", "127.0.0.1");
  context.db.port = static_cast<unsigned>(std::stoi(args.get("db-port", "3306")));
  context.db.user = args.get("db-user", "salesfollow");
  context.db.database = args.get("db-name", "salesfollow");
  if (!args.get("db-password-file").empty()) {
    context.db.password = read_file(args.get("db-password-file"));
  }
  context.nonce = args.get("nonce", fmt::format("{:x}", static_cast<std::uint64_t>(
                                                  std::chrono::system_clock::now()
                                                      .time_since_epoch()
                                                      .count()) /
                                                  1000 % 0xffffffffffULL));
  const std::string secret = read_file(args.get("token-secret-file"));
  const int rep_count = std::stoi(args.get("reps", "16"));
  for (int r = 1; r <= rep_count; ++r) {
    Rep rep;
    rep.user = fmt::format("rep{:03d}", r);
    rep.team = fmt::format("team{:02d}", (r - 1) / 10 + 1);
    TokenClaims claims;
    claims.user_id = rep.user;
    claims.display_name = fmt::format("销售{}", r);
    claims.role = Role::rep;
    claims.team_id = rep.team;
    claims.expires_at = std::chrono::time_point_cast<TimePoint::duration>(
        std::chrono::system_clock::now() + std::chrono::hours(6));
    rep.token = sign_token(claims, secret);
    context.reps.push_back(std::move(rep));
  }
  load_data_set(context, static_cast<std::size_t>(std::stoul(args.get("per-rep", "2000"))));

  const int clients = std::stoi(args.get("clients", "16"));
  const double warmup = std::stod(args.get("warmup", "2"));
  const double seconds = std::stod(args.get("seconds", "10"));
  const long long import_rows = std::stoll(args.get("import-rows", "100000"));
  std::set<std::string> wanted;
  for (const auto& s : split(args.get("scenarios", ""), ',')) wanted.insert(s);
  std::set<std::string> variants = {"service", "db", "grpc", "half"};
  if (!args.get("variants").empty()) {
    variants.clear();
    for (const auto& v : split(args.get("variants"), ',')) variants.insert(v);
  }
  std::map<std::string, int> pids;
  for (const auto& item : split(args.get("pids", ""), ',')) {
    const auto colon = item.find(':');
    pids[item.substr(0, colon)] = std::stoi(item.substr(colon + 1));
  }

  nlohmann::json out;
  out["settings"] = {{"clients", clients},   {"warmup_s", warmup},      {"seconds", seconds},
                     {"import_rows", import_rows}, {"reps", rep_count}, {"nonce", context.nonce},
                     {"max_customer_id", context.max_customer_id}};
  MemorySampler memory(pids);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  nlohmann::json mem_json;
  std::map<std::string, double> idle_rss = memory.take_phase();
  for (const auto& [name, pid] : pids) mem_json[name]["idle_rss_mb"] = idle_rss[name];
  std::map<std::string, double> load_peak;

  std::vector<Row> rows;
  std::vector<Verdict> verdicts;
  bool failed = false;
  const auto record = [&](Row row) {
    if (row.result.errors > 0) {
      failed = true;
      std::cerr << fmt::format("loadgen: {} / {}: {} errors, e.g. {}\n", row.scenario,
                               row.variant, row.result.errors,
                               row.result.error_samples.empty() ? ""
                                                                : row.result.error_samples.front());
    }
    if (row.result.ok == 0) {
      failed = true;
      std::cerr << fmt::format("loadgen: {} / {}: no successful call\n", row.scenario, row.variant);
    }
    std::cerr << fmt::format("loadgen: {:<17} {:<22} {:>9.1f} {}  p99 {:.2f} ms\n", row.scenario,
                             row.variant, row.throughput, row.unit,
                             ms(row.result.latency.percentile(0.99)));
    rows.push_back(row);
    return rows.back();
  };
  // run_load, with the retries made during the run.
  const auto load = [](const LoadSpec& spec, const WorkerFactory& factory) {
    const long long before = retries_so_far();
    LoadResult result = run_load(spec, factory);
    result.retries = retries_so_far() - before;
    return result;
  };
  const auto closed = [&](const std::string& scenario, const std::string& variant,
                          const WorkerFactory& factory, int n) {
    LoadSpec spec;
    spec.clients = n;
    spec.warmup_seconds = warmup;
    spec.seconds = seconds;
    Row row{scenario, variant, n, 0, "calls/s", 0, load(spec, factory)};
    row.throughput = row.result.throughput;
    return record(row);
  };

  // The gRPC floor at the same concurrency (one per run: it does not depend on the scenario).
  double grpc_floor_rate = 0;
  if (!context.noop_address.empty() && variants.count("grpc") != 0) {
    grpc_floor_rate = closed("(gRPC floor)", "no-op GetSystemInfo", grpc_floor(context), clients)
                          .throughput;
  }
  std::vector<Scenario> scenarios = customer_scenarios(context, import_rows);
  for (auto& s : followup_scenarios(context)) scenarios.push_back(std::move(s));
  for (const auto& s : scenarios) {
    if (!wanted.empty() && wanted.count(s.name) == 0) continue;
    memory.take_phase();
    if (s.kind == "import") {
      LoadSpec spec;
      spec.clients = 1;
      spec.warmup_seconds = 0;
      spec.count = 1;
      double service = 0, floor = 0;
      if (variants.count("service") != 0) {
        Row row{s.name, "service", 1, 0, "rows/s", 0, load(spec, s.service)};
        row.throughput = row.result.ok > 0 && row.result.seconds > 0
                             ? static_cast<double>(s.units_per_call) / row.result.seconds
                             : 0;
        service = record(row).throughput;
      }
      const auto peaks = memory.take_phase();
      for (const auto& [name, mb] : peaks) load_peak[name] = std::max(load_peak[name], mb);
      if (variants.count("db") != 0) {
        Row row{s.name, "db floor (multi-row)", 1, 0, "rows/s", 0, load(spec, s.db_floor)};
        row.throughput = row.result.ok > 0 && row.result.seconds > 0
                             ? static_cast<double>(s.units_per_call) / row.result.seconds
                             : 0;
        floor = record(row).throughput;
      }
      if (service > 0 && floor > 0) {
        verdicts.push_back({s.name, ">= 0.5x raw multi-row INSERT floor", service / floor, 0.5,
                            service / floor >= 0.5, fmt::format("{} rows", import_rows)});
      }
      continue;
    }
    double service = 0, db_floor = 0;
    Row service_row;
    if (variants.count("service") != 0) {
      service_row = closed(s.name, "service", s.service, clients);
      service = service_row.throughput;
    }
    const auto peaks = memory.take_phase();
    for (const auto& [name, mb] : peaks) load_peak[name] = std::max(load_peak[name], mb);
    if (variants.count("db") != 0) {
      db_floor = closed(s.name, "db floor (libmariadb)", s.db_floor, clients).throughput;
    }
    if (s.kind == "write" && service > 0 && db_floor > 0) {
      verdicts.push_back({s.name, fmt::format(">= 0.8x db floor at {} clients", clients),
                          service / db_floor, 0.8, service / db_floor >= 0.8, ""});
    }
    if (s.kind == "read" && service > 0 && (db_floor > 0 || grpc_floor_rate > 0)) {
      double floor = db_floor > 0 ? db_floor : grpc_floor_rate;
      if (grpc_floor_rate > 0) floor = std::min(floor, grpc_floor_rate);
      // When both floors ran, the note also gives the ratio to their combined
      // bound: a service does a database call inside a gRPC call, and on the
      // same cores both costs add up (docs/PERFORMANCE.md, services finding 2).
      std::string note;
      if (db_floor > 0 && grpc_floor_rate > 0) {
        const double combined = 1.0 / (1.0 / db_floor + 1.0 / grpc_floor_rate);
        note = fmt::format("{} floor is the min; {:.2f}x the combined bound 1/(1/db+1/gRPC) "
                           "= {:.0f}/s",
                           db_floor <= grpc_floor_rate ? "db" : "gRPC", service / combined,
                           combined);
      }
      verdicts.push_back({s.name, ">= 0.7x min(db floor, gRPC floor)", service / floor, 0.7,
                          service / floor >= 0.7, note});
      if (variants.count("half") != 0) {
        LoadSpec spec;
        spec.clients = clients;
        spec.warmup_seconds = warmup;
        spec.seconds = seconds;
        spec.rate = service / 2;
        Row row{s.name, fmt::format("service @ {:.0f}/s", spec.rate), clients, spec.rate,
                "calls/s", 0, load(spec, s.service)};
        row.throughput = row.result.throughput;
        const double p99 = ms(record(row).result.latency.percentile(0.99));
        verdicts.push_back({s.name, "p99 <= 5 ms at half the peak rate (ms)", p99, 5.0, p99 <= 5.0,
                            "fixed rate, coordinated omission corrected"});
      }
      const auto half_peaks = memory.take_phase();
      for (const auto& [name, mb] : half_peaks) load_peak[name] = std::max(load_peak[name], mb);
    }
  }
  memory.take_phase();
  for (const auto& [name, pid] : pids) {
    const double hwm = MemorySampler::status_mb(pid, "VmHWM:");
    mem_json[name]["load_peak_rss_mb"] = load_peak[name];
    mem_json[name]["vm_hwm_mb"] = hwm;
    verdicts.push_back({name, "RSS idle <= 64 MB", idle_rss[name], 64, idle_rss[name] <= 64, ""});
    const double peak = std::max(load_peak[name], hwm);
    verdicts.push_back(
        {name, "RSS under the benchmark <= 256 MB", peak, 256, peak <= 256, "VmHWM"});
  }

  print_rows(rows);
  print_verdicts(verdicts);
  for (const auto& r : rows) out["rows"].push_back(to_json(r));
  for (const auto& v : verdicts) {
    out["verdicts"].push_back({{"scenario", v.scenario},
                               {"target", v.target},
                               {"figure", v.figure},
                               {"threshold", v.threshold},
                               {"met", v.met},
                               {"detail", v.detail}});
  }
  out["memory_mb"] = mem_json;
  out["failed"] = failed;
  if (!args.get("json").empty()) {
    std::ofstream file(args.get("json"));
    file << out.dump(2) << "\n";
  }
  if (failed) std::cerr << "loadgen: FAILED: some scenario had errors (see above)\n";
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace salesfollow::bench

int main(int argc, char** argv) {
  try {
    return salesfollow::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "salesfollow-loadgen: " << e.what() << "\n";
    return 1;
  }
}
