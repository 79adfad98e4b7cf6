#include "salesfollow/common/db_pool.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <soci/mysql/soci-mysql.h>

#include "salesfollow/common/log.h"

namespace salesfollow {
namespace {

// SOCI's connection-string parser takes quoted values; a quote inside a value
// cannot be expressed, which the configuration check rejects up front.
std::string quoted(const std::string& value) { return "'" + value + "'"; }

}  // namespace

std::string DbConfig::connection_string() const {
  std::string text = fmt::format(
      "dbname={} user={} password={} charset=utf8mb4 connect_timeout={} read_timeout={} "
      "write_timeout={}",
      quoted(database), quoted(user), quoted(password), connect_timeout.count(),
      read_timeout.count(), write_timeout.count());
  if (!unix_socket.empty()) {
    text += " unix_socket=" + quoted(unix_socket);
  } else {
    text += fmt::format(" host={} port={}", quoted(host), port);
  }
  return text;
}

std::string DbConfig::describe() const {
  if (!unix_socket.empty()) return fmt::format("{}@unix:{}/{}", user, unix_socket, database);
  return fmt::format("{}@{}:{}/{}", user, host, port, database);
}

struct ConnectionPool::Metrics {
  explicit Metrics(prometheus::Registry& registry)
      : connections(prometheus::BuildGauge()
                        .Name("salesfollow_db_pool_connections")
                        .Help("Database sessions held by the pool, by state")
                        .Register(registry)),
        in_use(connections.Add({{"state", "in_use"}})),
        idle(connections.Add({{"state", "idle"}})),
        max(connections.Add({{"state", "max"}})),
        events(prometheus::BuildCounter()
                   .Name("salesfollow_db_pool_events_total")
                   .Help("Pool events: connects, connect failures, lost connections, timeouts")
                   .Register(registry)),
        connects(events.Add({{"event", "connect"}})),
        connect_failures(events.Add({{"event", "connect_failure"}})),
        lost(events.Add({{"event", "connection_lost"}})),
        acquire_timeouts(events.Add({{"event", "acquire_timeout"}})),
        acquire_seconds(
            prometheus::BuildHistogram()
                .Name("salesfollow_db_pool_acquire_seconds")
                .Help("Time spent waiting for a pooled session")
                .Register(registry)
                .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.0005, 0.001, 0.005, 0.01,
                                                                 0.05, 0.1, 0.5, 1, 2.5})) {}

  prometheus::Family<prometheus::Gauge>& connections;
  prometheus::Gauge& in_use;
  prometheus::Gauge& idle;
  prometheus::Gauge& max;
  prometheus::Family<prometheus::Counter>& events;
  prometheus::Counter& connects;
  prometheus::Counter& connect_failures;
  prometheus::Counter& lost;
  prometheus::Counter& acquire_timeouts;
  prometheus::Histogram& acquire_seconds;
};

ConnectionPool::ConnectionPool(DbConfig config, prometheus::Registry* registry)
    : config_(std::move(config)) {
  if (registry != nullptr) {
    metrics_ = std::make_unique<Metrics>(*registry);
    metrics_->max.Set(config_.pool_size);
  }
}

ConnectionPool::~ConnectionPool() = default;

unsigned int ConnectionPool::mysql_error_number(const soci::soci_error& e) {
  if (const auto* mysql = dynamic_cast<const soci::mysql_soci_error*>(&e)) return mysql->err_num_;
  return 0;
}

std::unique_ptr<soci::session> ConnectionPool::open_session() {
  try {
    auto session = std::make_unique<soci::session>(soci::mysql, config_.connection_string());
    // UTC on the wire: the services write every instant themselves, in UTC.
    *session << "SET SESSION time_zone = '+00:00', "
                "sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
                "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
             << "innodb_lock_wait_timeout = " << config_.lock_wait_timeout.count()
             << ", lock_wait_timeout = " << config_.lock_wait_timeout.count();
    if (metrics_) metrics_->connects.Increment();
    return session;
  } catch (const soci::soci_error& e) {
    if (metrics_) metrics_->connect_failures.Increment();
    throw DatabaseUnavailable(
        fmt::format("cannot connect to {} (error {})", config_.describe(), mysql_error_number(e)));
  }
}

ConnectionPool::Lease ConnectionPool::acquire(const DbBudget& budget) {
  Lease lease = take(budget.acquire_wait);
  std::chrono::seconds wanted = config_.lock_wait_timeout;
  if (budget.caller_waits) {
    wanted = std::clamp(std::chrono::ceil<std::chrono::seconds>(*budget.caller_waits),
                        std::chrono::seconds(1), config_.lock_wait_timeout);
  }
  if (lease.lock_wait_ != wanted) {
    try {
      lease.session() << "SET SESSION innodb_lock_wait_timeout = " << wanted.count()
                      << ", lock_wait_timeout = " << wanted.count();
    } catch (const soci::soci_error& e) {
      lease.note_error(mysql_error_number(e));
      throw DatabaseUnavailable(fmt::format("cannot set the lock wait on {} (error {})",
                                            config_.describe(), mysql_error_number(e)));
    }
    lease.lock_wait_ = wanted;
  }
  return lease;
}

ConnectionPool::Lease ConnectionPool::take(const std::chrono::milliseconds max_wait) {
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + std::min(max_wait, config_.acquire_timeout);
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!idle_.empty()) {
      Idle candidate = std::move(idle_.back());
      idle_.pop_back();
      if (candidate.generation == generation_) {
        update_gauges_locked();
        if (metrics_) {
          metrics_->acquire_seconds.Observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        return Lease(this, std::move(candidate.session), candidate.generation, candidate.lock_wait);
      }
      --open_;  // opened before a lost connection: retire it
    }
    if (open_ < config_.pool_size) {
      ++open_;
      const auto generation = generation_;
      update_gauges_locked();
      lock.unlock();
      try {
        auto session = open_session();
        if (metrics_) {
          metrics_->acquire_seconds.Observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        return Lease(this, std::move(session), generation, config_.lock_wait_timeout);
      } catch (...) {
        lock.lock();
        --open_;
        update_gauges_locked();
        available_.notify_one();
        throw;
      }
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout) {
      if (metrics_) metrics_->acquire_timeouts.Increment();
      throw DatabaseUnavailable(
          fmt::format("no free database connection within {} ms (pool size {})",
                      std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::min(max_wait, config_.acquire_timeout))
                          .count(),
                      config_.pool_size));
    }
  }
}

void ConnectionPool::give_back(std::unique_ptr<soci::session> session, std::uint64_t generation,
                               std::chrono::seconds lock_wait, bool broken) {
  {
    const std::lock_guard lock(mutex_);
    if (broken || generation != generation_) {
      --open_;
    } else {
      idle_.push_back({std::move(session), generation, lock_wait});
    }
    update_gauges_locked();
  }
  available_.notify_one();
  // A discarded session (if any) is closed here, outside the lock.
}

void ConnectionPool::retire_all_older_than(std::uint64_t generation) {
  const std::lock_guard lock(mutex_);
  if (generation_ <= generation) {
    generation_ = generation + 1;
    if (metrics_) metrics_->lost.Increment();
    log::warn("db_connection_lost", {{"database", config_.describe()}});
  }
}

void ConnectionPool::update_gauges_locked() {
  if (!metrics_) return;
  const auto idle = static_cast<double>(idle_.size());
  metrics_->idle.Set(idle);
  metrics_->in_use.Set(static_cast<double>(open_) - idle);
}

bool ConnectionPool::ping() {
  try {
    return run([](soci::session& sql) {
      int one = 0;
      sql << "SELECT 1", soci::into(one);
      return one == 1;
    });
  } catch (const std::exception&) {
    return false;
  }
}

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<soci::session> session,
                             std::uint64_t generation, std::chrono::seconds lock_wait)
    : pool_(pool), session_(std::move(session)), generation_(generation), lock_wait_(lock_wait) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      session_(std::move(other.session_)),
      generation_(other.generation_),
      lock_wait_(other.lock_wait_),
      broken_(other.broken_) {}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->give_back(std::move(session_), generation_, lock_wait_, broken_);
}

void ConnectionPool::Lease::note_error(unsigned int mysql_error_number) {
  switch (classify_mysql_error(mysql_error_number)) {
    case DbErrorKind::connection_lost:
      broken_ = true;
      pool_->retire_all_older_than(generation_);
      break;
    case DbErrorKind::unavailable:
      broken_ = true;
      break;
    case DbErrorKind::retryable:
    case DbErrorKind::other:
      // The session is fine; a failed transaction is rolled back by the caller's
      // soci::transaction going out of scope.
      break;
  }
}

}  // namespace salesfollow
