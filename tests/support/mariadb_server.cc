#include "mariadb_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "child_process.h"

namespace salesfollow::testing {
namespace {

std::string find_program(const std::vector<std::string>& candidates) {
  for (const auto& candidate : candidates) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw std::runtime_error("none of these MariaDB programs exists: " + candidates.front() +
                           " (run scripts/install-deps.sh)");
}

}  // namespace

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {  // NOLINT
    ::close(fd);
    throw std::runtime_error("cannot bind a local port");
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);  // NOLINT
  ::close(fd);
  return ntohs(address.sin_port);
}

MariaDbServer::MariaDbServer() {
  std::string pattern = (std::filesystem::temp_directory_path() / "salesfollow-db-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  base_ = pattern;
  port_ = free_local_port();
  const std::string install_db =
      find_program({"/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"});
  // A private temporary directory: bootstraps running side by side (ctest -j)
  // otherwise collide on temporary table files in /tmp.
  std::filesystem::create_directories(base_ / "tmp");
  const int install_pid =
      spawn({install_db, "--no-defaults", "--datadir=" + (base_ / "data").string(), "--user=root",
             "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"},
            {{"TMPDIR", (base_ / "tmp").string()}}, base_ / "install.log");
  const int status = wait_for_exit(install_pid, std::chrono::seconds(120)).value_or(-1);
  if (status != 0) {
    throw std::runtime_error("mariadb-install-db failed; see " + (base_ / "install.log").string());
  }
  start();
}

MariaDbServer::~MariaDbServer() {
  try {
    stop();
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing sensible to do in a destructor
  }
  std::error_code ignored;
  std::filesystem::remove_all(base_, ignored);
}

void MariaDbServer::start() {
  if (pid_ > 0) return;
  const std::string mariadbd = find_program({"/usr/sbin/mariadbd", "/usr/sbin/mysqld"});
  pid_ = spawn({mariadbd, "--no-defaults", "--datadir=" + (base_ / "data").string(),
                "--socket=" + (base_ / "mysqld.sock").string(), "--port=" + std::to_string(port_),
                "--bind-address=127.0.0.1", "--user=root", "--tmpdir=" + (base_ / "tmp").string(),
                "--pid-file=" + (base_ / "mariadbd.pid").string(),
                "--log-error=" + (base_ / "error.log").string(), "--skip-name-resolve",
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                "--innodb-buffer-pool-size=128M", "--innodb-flush-log-at-trx-commit=2",
                "--max-connections=500"},
               {}, base_ / "mariadbd.out");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    try {
      soci::session probe(soci::mysql, root_config().connection_string());
      return;
    } catch (const std::exception&) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("MariaDB did not start; see " + (base_ / "error.log").string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void MariaDbServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  wait_for_exit(pid_, std::chrono::seconds(60));
  pid_ = 0;
}

void MariaDbServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait_for_exit(pid_, std::chrono::seconds(30));
  pid_ = 0;
}

std::string MariaDbServer::dump(const std::string& database) const {
  const std::string program = find_program({"/usr/bin/mariadb-dump", "/usr/bin/mysqldump"});
  const auto output = base_ / ("dump-" + database + ".sql");
  std::error_code ignored;
  std::filesystem::remove(output, ignored);
  const int status =
      run_and_wait({program, "--no-defaults", "--socket=" + (base_ / "mysqld.sock").string(),
                    "-uroot", "--skip-extended-insert", "--single-transaction",
                    "--default-character-set=utf8mb4", database},
                   output, std::chrono::seconds(120));
  if (status != 0) throw std::runtime_error("mariadb-dump failed:\n" + read_file(output));
  auto text = read_file(output);
  std::filesystem::remove(output, ignored);
  return text;
}

DbConfig MariaDbServer::root_config(const std::string& database) const {
  DbConfig config;
  config.unix_socket = (base_ / "mysqld.sock").string();
  config.user = "root";
  config.password = "";
  config.database = database.empty() ? "mysql" : database;
  config.connect_timeout = std::chrono::seconds(2);
  return config;
}

DbConfig MariaDbServer::create_database(const std::string& name) {
  soci::session root(soci::mysql, root_config().connection_string());
  root << "CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
  root << "CREATE USER IF NOT EXISTS 'salesfollow'@'%' IDENTIFIED BY 'test-password'";
  root << "GRANT ALL PRIVILEGES ON `" + name + "`.* TO 'salesfollow'@'%'";
  DbConfig config;
  config.host = "127.0.0.1";
  config.port = port_;
  config.user = "salesfollow";
  config.password = "test-password";
  config.database = name;
  config.connect_timeout = std::chrono::seconds(2);
  config.acquire_timeout = std::chrono::milliseconds(2000);
  return config;
}

MariaDbServer& shared_mariadb() {
  static MariaDbServer server;
  return server;
}

DbConfig fresh_database(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return shared_mariadb().create_database(
      fmt::format("{}_{}_{}", prefix, ::getpid(), counter.fetch_add(1)));
}

}  // namespace salesfollow::testing
