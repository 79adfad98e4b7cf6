#include <fmt/format.h>

#include <atomic>
#include <ctime>
#include <string_view>
#include <stdexcept>

#include "salesfollow/v1/system.grpc.pb.h"
#include "scenarios.h"

namespace salesfollow::bench {

namespace {
std::atomic<long long> g_retries{0};
}  // namespace

long long retries_so_far() { return g_retries.load(); }
void count_retry() { g_retries.fetch_add(1); }
bool is_retryable_db_error(const std::exception& e) {
  const std::string_view what = e.what();
  return what.find("SQL error 1213") != std::string_view::npos ||
         what.find("SQL error 1205") != std::string_view::npos;
}

std::shared_ptr<grpc::Channel> client_channel(const std::string& address, int client) {
  grpc::ChannelArguments args;
  // A distinct argument gives every client its own connection (gRPC shares
  // subchannels between channels with identical arguments).
  args.SetInt("salesfollow.bench.client", client);
  args.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    throw std::runtime_error("cannot connect to " + address);
  }
  return channel;
}

void prepare(grpc::ClientContext& call, const std::string& token) {
  if (!token.empty()) call.AddMetadata("authorization", "Bearer " + token);
  call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

void check(const grpc::Status& status, const char* method) {
  if (!status.ok()) {
    throw std::runtime_error(
        fmt::format("{}: {} {}", method, static_cast<int>(status.error_code()),
                    status.error_message()));
  }
}

const Rep& rep_of(const Context& context, int client) {
  return context.reps[static_cast<std::size_t>(client) % context.reps.size()];
}

std::vector<std::size_t> slice_of(const Context& context, int client) {
  // Clients that share a rep take disjoint shares of its customers, so that
  // no two clients change the same customer's stage.
  const std::size_t reps = context.reps.size();
  const std::size_t share = static_cast<std::size_t>(client) / reps;
  const std::size_t sharers = 64;  // upper bound on clients per rep
  const auto& rep = rep_of(context, client);
  std::vector<std::size_t> indexes;
  for (std::size_t j = 0; j < rep.customers.size(); ++j) {
    if (j % sharers == share % sharers) indexes.push_back(j);
  }
  if (indexes.empty()) indexes.push_back(0);
  return indexes;
}

std::string utc_datetime(std::chrono::system_clock::time_point at) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}.{:06d}", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     static_cast<int>(micros % 1000000));
}

std::string fake_sealed(DataGen& gen, std::size_t clear_bytes) {
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::size_t chars = (clear_bytes + 28 + 2) / 3 * 4;  // base64(iv + clear + tag)
  std::string out = "k1:";
  for (std::size_t i = 0; i < chars; ++i) out += kAlphabet[gen.uniform(0, 63)];
  return out;
}

std::string fake_hex(DataGen& gen, std::size_t chars) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < chars; ++i) out += kHex[gen.uniform(0, 15)];
  return out;
}

namespace {
class NoopWorker : public Worker {
 public:
  NoopWorker(const Context& context, int client)
      : token_(rep_of(context, client).token),
        stub_(v1::SystemService::NewStub(client_channel(context.noop_address, client))) {}
  void call() override {
    grpc::ClientContext call;
    prepare(call, token_);  // the same metadata as the business calls (ignored by the floor)
    v1::GetSystemInfoRequest request;
    v1::SystemInfo response;
    check(stub_->GetSystemInfo(&call, request, &response), "GetSystemInfo");
  }

 private:
  std::string token_;
  std::unique_ptr<v1::SystemService::Stub> stub_;
};
}  // namespace

WorkerFactory grpc_floor(const Context& context) {
  return [&context](int client) { return std::make_unique<NoopWorker>(context, client); };
}

}  // namespace salesfollow::bench
