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
#include <optional>
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

// What a call may spend on the database: how long it waits for a session,
// and how long its caller still waits for the answer. A session's lock waits
// (--db-lock-wait-timeout) are cut to the latter, so that a call whose
// client gave up at its deadline does not hold a connection, waiting on a
// lock, long after (whole seconds: what MySQL's lock waits take).
struct DbBudget {
  template <typename Rep, typename Period>
  DbBudget(std::chrono::duration<Rep, Period> wait)  // NOLINT: a plain wait converts
      : acquire_wait(std::chrono::duration_cast<std::chrono::milliseconds>(wait)) {}
  DbBudget(std::chrono::milliseconds wait, std::chrono::milliseconds left)
      : acquire_wait(wait), caller_waits(left) {}
  std::chrono::milliseconds acquire_wait;
  std::optional<std::chrono::milliseconds> caller_waits;  // none: the configured lock wait
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
    Lease(ConnectionPool* pool, std::unique_ptr<soci::session> session, std::uint64_t generation,
          std::chrono::seconds lock_wait);
    ConnectionPool* pool_;
    std::unique_ptr<soci::session> session_;
    std::uint64_t generation_;
    std::chrono::seconds lock_wait_;  // what the session's lock waits are set to
    bool broken_ = false;
  };

  // Waits at most min(budget.acquire_wait, acquire_timeout) for a session;
  // throws DatabaseUnavailable when none can be had. The session's lock
  // waits follow the budget (see DbBudget).
  Lease acquire(const DbBudget& budget);
  Lease acquire() { return acquire(config_.acquire_timeout); }

  // Runs fn(soci::session&) on a pooled session; connection errors retire the
  // session before the exception goes on to the caller.
  template <typename Fn>
  auto run(Fn&& fn, const DbBudget& budget) {
    auto lease = acquire(budget);
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
    std::chrono::seconds lock_wait;
  };
  struct Metrics;

  std::unique_ptr<soci::session> open_session();
  Lease take(const std::chrono::milliseconds max_wait);
  void give_back(std::unique_ptr<soci::session> session, std::uint64_t generation,
                 std::chrono::seconds lock_wait, bool broken);
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
