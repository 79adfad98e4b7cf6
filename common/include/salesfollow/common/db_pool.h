// A pool of MySQL/MariaDB sessions (SOCI) that survives a database restart.
//
// SOCI's MySQL backend ignores the failover callback, so the pool does the
// recovery itself: when a statement fails with "connection lost" (2006, 2013,
// ...), that session is discarded and every idle session opened before the
// failure is retired too (they point at the same dead server), so the next
// caller gets a fresh connection instead of a stale one. While the server is
// down, acquiring throws DatabaseUnavailable quickly (bounded connect
// timeout), which the RPC layer answers as UNAVAILABLE.
#pragma once

#include <soci/soci.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "salesfollow/common/errors.h"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
class Histogram;
}  // namespace prometheus

namespace salesfollow {

struct DbConfig {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string unix_socket;  // used instead of host/port when set
  std::string user = "salesfollow";
  std::string password;
  std::string database = "salesfollow";
  std::chrono::seconds connect_timeout{3};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds lock_wait_timeout{5};
  int pool_size = 8;
  std::chrono::milliseconds acquire_timeout{2000};

  // The SOCI connection string (contains the password: never log it).
  std::string connection_string() const;
  // Where the pool connects, without credentials, for logs and errors.
  std::string describe() const;
};

class ConnectionPool {
 public:
  // `registry` may be null (no metrics), e.g. in command-line tools.
  ConnectionPool(DbConfig config, prometheus::Registry* registry);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A session borrowed from the pool; returned (or discarded when broken) on
  // destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    soci::session& session() { return *session_; }
    // Tells the pool about a MySQL error seen on this session.
    void note_error(unsigned int mysql_error_number);

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<soci::session> session, std::uint64_t generation);
    ConnectionPool* pool_;
    std::unique_ptr<soci::session> session_;
    std::uint64_t generation_;
    bool broken_ = false;
  };

  // Waits at most min(max_wait, acquire_timeout) for a session; throws
  // DatabaseUnavailable when none can be had.
  Lease acquire(std::chrono::milliseconds max_wait);
  Lease acquire() { return acquire(config_.acquire_timeout); }

  // Runs fn(soci::session&) on a pooled session; connection errors retire the
  // session before the exception goes on to the caller.
  template <typename Fn>
  auto run(Fn&& fn, std::chrono::milliseconds max_wait) {
    auto lease = acquire(max_wait);
    try {
      return fn(lease.session());
    } catch (const soci::soci_error& e) {
      lease.note_error(mysql_error_number(e));
      throw;
    }
  }
  template <typename Fn>
  auto run(Fn&& fn) {
    return run(std::forward<Fn>(fn), config_.acquire_timeout);
  }

  // True when a trivial query succeeds within the acquire timeout.
  bool ping();

  const DbConfig& config() const { return config_; }

  // The MySQL error number of a SOCI error (0 when it is not a MySQL error).
  static unsigned int mysql_error_number(const soci::soci_error& e);

 private:
  struct Idle {
    std::unique_ptr<soci::session> session;
    std::uint64_t generation;
  };
  struct Metrics;

  std::unique_ptr<soci::session> open_session();
  void give_back(std::unique_ptr<soci::session> session, std::uint64_t generation, bool broken);
  void retire_all_older_than(std::uint64_t generation);
  void update_gauges_locked();

  const DbConfig config_;
  std::unique_ptr<Metrics> metrics_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Idle> idle_;
  int open_ = 0;  // sessions that exist or are being opened (idle + leased)
  std::uint64_t generation_ = 1;
};

}  // namespace salesfollow
