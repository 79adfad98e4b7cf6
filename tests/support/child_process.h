// Starting and stopping real processes from tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "salesfollow/common/db_pool.h"

namespace salesfollow::testing {

// fork + exec with stdout and stderr appended to `output`; `env` adds to (or
// overrides) the test's environment. Returns the child's pid.
int spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
          const std::filesystem::path& output);
// The exit status (WEXITSTATUS, or 128+signal) or nullopt on timeout.
std::optional<int> wait_for_exit(int pid, std::chrono::milliseconds timeout);
int run_and_wait(const std::vector<std::string>& args, const std::filesystem::path& output,
                 std::chrono::milliseconds timeout);

std::string read_file(const std::filesystem::path& path);

// One of the system's executables, started against a test database.
class ServiceProcess {
 public:
  // Starts `executable` with the database options for `db`, ports chosen by
  // the process (0), and `extra_args`; waits until it logs "listening".
  ServiceProcess(const std::string& executable, const DbConfig& db,
                 std::vector<std::string> extra_args = {});
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  std::string grpc_address() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  int pid() const { return pid_; }
  std::string log() const { return read_file(log_path_); }

  void signal(int signal_number) const;
  // Exit status, or nullopt if it did not exit in time.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

 private:
  std::filesystem::path log_path_;
  int pid_ = 0;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
};

// The secrets every test process gets through its environment, as a
// Kubernetes Secret would provide them (flags given by a test win).
std::map<std::string, std::string> test_secrets_environment(const DbConfig& db);
extern const char* const kTestTokenSecret;

// Arguments that point a process at `db`.
std::vector<std::string> database_args(const DbConfig& db);

// Runs the executable to completion (for start-up failures); returns the exit
// status and fills `output` with what it printed.
int run_service_to_exit(const std::string& executable, const DbConfig& db,
                        const std::vector<std::string>& extra_args, std::string& output);

}  // namespace salesfollow::testing
