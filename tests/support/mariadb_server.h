// A throw-away MariaDB server for tests: its own data directory under /tmp,
// a free local port, no systemd. It can be stopped and started again on the
// same port and data (for restart tests).
#pragma once

#include <filesystem>
#include <string>

#include "salesfollow/common/db_pool.h"

namespace salesfollow::testing {

class MariaDbServer {
 public:
  MariaDbServer();  // initialises the data directory and starts the server
  ~MariaDbServer();
  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  void start();
  void stop();  // SIGTERM and wait: a clean shutdown
  void kill();  // SIGKILL and wait: a crash (InnoDB recovers at the next start())
  bool running() const { return pid_ > 0; }
  int port() const { return port_; }

  // Creates an empty database and a user that may use it; returns the settings
  // a service would be given (TCP, like production).
  DbConfig create_database(const std::string& name);
  // Root over the Unix socket, for test set-up and inspection.
  DbConfig root_config(const std::string& database = "") const;
  // The server's error log (for leak scans).
  std::filesystem::path error_log() const { return base_ / "error.log"; }
  // mariadb-dump of one database (schema and rows, one INSERT per row, hex
  // for binary columns off): what an operator's backup would hold.
  std::string dump(const std::string& database) const;

 private:
  std::filesystem::path base_;
  int port_ = 0;
  int pid_ = 0;
};

// The server shared by all tests of one binary (started on first use).
MariaDbServer& shared_mariadb();

// A fresh, uniquely named database on the shared server.
DbConfig fresh_database(const std::string& prefix);

int free_local_port();

}  // namespace salesfollow::testing
