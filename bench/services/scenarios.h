// The scenarios: one per RPC, each with the service call and its raw
// database floor (the same SQL statements the repository issues, sent with
// libmariadb). scenarios_customer.cc and scenarios_followup.cc hold them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "data.h"
#include "driver.h"

namespace salesfollow::bench {

struct Scenario {
  std::string name;
  std::string kind;           // "write", "read" or "import"
  WorkerFactory service;
  WorkerFactory db_floor;
  long long units_per_call = 1;  // rows per call for the import
};

std::vector<Scenario> customer_scenarios(const Context& context, long long import_rows);
std::vector<Scenario> followup_scenarios(const Context& context);
// The gRPC floor: SystemService.GetSystemInfo on salesfollow-bench-noop.
WorkerFactory grpc_floor(const Context& context);

// Calls answered ABORTED (a deadlock or lock-wait timeout in the database,
// "safe to retry" per the API) are retried with the same request, up to 5
// times, as a well-behaved client does; the latency includes the retries.
// The floors retry a transaction that fails with MySQL error 1213/1205 the
// same way. Retries of the whole run are counted here.
long long retries_so_far();
void count_retry();
template <typename Fn>
grpc::Status with_retries(Fn&& fn) {
  grpc::Status status;
  for (int attempt = 0; attempt < 5; ++attempt) {
    status = fn();
    if (status.error_code() != grpc::StatusCode::ABORTED) return status;
    count_retry();
  }
  return status;
}
bool is_retryable_db_error(const std::exception& e);  // deadlock or lock wait timeout

// Helpers shared by the scenario files.
std::shared_ptr<grpc::Channel> client_channel(const std::string& address, int client);
void prepare(grpc::ClientContext& call, const std::string& token);
void check(const grpc::Status& status, const char* method);
// client i's rep and its share of that rep's customers.
const Rep& rep_of(const Context& context, int client);
std::vector<std::size_t> slice_of(const Context& context, int client);
std::string utc_datetime(std::chrono::system_clock::time_point at);  // 'YYYY-MM-DD HH:MM:SS.ffffff'
std::string fake_sealed(DataGen& gen, std::size_t clear_bytes);     // "k1:" + base64-like
std::string fake_hex(DataGen& gen, std::size_t chars);

}  // namespace salesfollow::bench
