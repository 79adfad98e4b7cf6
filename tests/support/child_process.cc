#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;  // NOLINT: POSIX

namespace salesfollow::testing {

int spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
          const std::filesystem::path& output) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto name = text.substr(0, text.find('='));
    if (env.count(name) == 0) environment.push_back(text);
  }
  for (const auto& [name, value] : env) environment.push_back(name + "=" + value);

  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));  // NOLINT
  envp.push_back(nullptr);

  const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + output.string());
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(fd);
  return pid;
}

std::optional<int> wait_for_exit(int pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (done < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int run_and_wait(const std::vector<std::string>& args, const std::filesystem::path& output,
                 std::chrono::milliseconds timeout) {
  const int pid = spawn(args, {}, output);
  const auto status = wait_for_exit(pid, timeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    wait_for_exit(pid, std::chrono::seconds(5));
    return -1;
  }
  return *status;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> database_args(const DbConfig& db) {
  return {"--db-host=" + db.host,     "--db-port=" + std::to_string(db.port),
          "--db-name=" + db.database, "--db-user=" + db.user,
          "--db-connect-timeout=2s",  "--db-acquire-timeout=2s"};
}

const char* const kTestTokenSecret = "test-token-secret-of-at-least-32-bytes!";

std::map<std::string, std::string> test_secrets_environment(const DbConfig& db) {
  // base64 of 32 bytes "0123456789abcdef0123456789abcdef" and of 32 x 'i'.
  return {{"SALESFOLLOW_DB_PASSWORD", db.password},
          {"SALESFOLLOW_TOKEN_SECRET", kTestTokenSecret},
          {"SALESFOLLOW_CONTACT_KEYS", "t1=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="},
          {"SALESFOLLOW_BLIND_INDEX_KEY", "aWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWk="},
          // followup-service needs an address; tests that use it pass the real one.
          {"SALESFOLLOW_CUSTOMER_SERVICE_ADDRESS", "127.0.0.1:1"}};
}

namespace {

std::filesystem::path new_log_path(const std::string& executable) {
  static int counter = 0;
  return std::filesystem::temp_directory_path() /
         ("salesfollow-" + std::filesystem::path(executable).filename().string() + "-" +
          std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".log");
}

}  // namespace

ServiceProcess::ServiceProcess(const std::string& executable, const DbConfig& db,
                               std::vector<std::string> extra_args)
    : log_path_(new_log_path(executable)) {
  std::vector<std::string> args = {executable, "--grpc-listen=127.0.0.1:0",
                                   "--metrics-listen=127.0.0.1:0", "--health-interval=200ms"};
  const auto db_args = database_args(db);
  args.insert(args.end(), db_args.begin(), db_args.end());
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // The password goes through the environment, as in production.
  pid_ = spawn(args, test_secrets_environment(db), log_path_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::istringstream lines(read_file(log_path_));
    for (std::string line; std::getline(lines, line);) {
      if (line.find("\"event\":\"listening\"") == std::string::npos) continue;
      const auto json = nlohmann::json::parse(line);
      grpc_port_ = json.at("grpc_port").get<int>();
      metrics_port_ = json.at("metrics_port").get<int>();
      return;
    }
    if (const auto status = testing::wait_for_exit(pid_, std::chrono::milliseconds(0))) {
      pid_ = 0;
      throw std::runtime_error(executable + " exited with " + std::to_string(*status) + ":\n" +
                               read_file(log_path_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error(executable + " did not start listening:\n" + read_file(log_path_));
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    testing::wait_for_exit(pid_, std::chrono::seconds(10));
  }
  std::error_code ignored;
  std::filesystem::remove(log_path_, ignored);
}

void ServiceProcess::signal(int signal_number) const { ::kill(pid_, signal_number); }

std::optional<int> ServiceProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto status = testing::wait_for_exit(pid_, timeout);
  if (status) pid_ = 0;
  return status;
}

int run_service_to_exit(const std::string& executable, const DbConfig& db,
                        const std::vector<std::string>& extra_args, std::string& output) {
  const auto log_path = new_log_path(executable);
  std::vector<std::string> args = {executable, "--grpc-listen=127.0.0.1:0",
                                   "--metrics-listen=127.0.0.1:0", "--startup-timeout=3s"};
  const auto db_args = database_args(db);
  args.insert(args.end(), db_args.begin(), db_args.end());
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const int pid = spawn(args, test_secrets_environment(db), log_path);
  const auto status = testing::wait_for_exit(pid, std::chrono::seconds(30));
  output = read_file(log_path);
  std::error_code ignored;
  std::filesystem::remove(log_path, ignored);
  if (!status) {
    ::kill(pid, SIGKILL);
    testing::wait_for_exit(pid, std::chrono::seconds(5));
    return -1;
  }
  return *status;
}

}  // namespace salesfollow::testing
