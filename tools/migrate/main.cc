// salesfollow-migrate: applies the migrations compiled into it, then exits.
// Used by scripts/start-all.sh and by the Helm chart's pre-install/upgrade Job.
#include <fmt/format.h>

#include <iostream>

#include "salesfollow/common/db_pool.h"
#include "salesfollow/common/migrations.h"
#include "salesfollow/common/process.h"

int main(int argc, char** argv) {
  using namespace salesfollow;
  Options options("salesfollow-migrate");
  add_common_options(options, {.grpc_port = 0, .metrics_port = 0});
  options.add({"status", "false", "only print the applied and pending migrations", false, true});
  CommonConfig config;
  bool status_only = false;
  try {
    if (!options.parse({argv + 1, argv + argc}, current_environment())) return kExitOk;
    config = read_common_config(options, "salesfollow-migrate");
    status_only = options.boolean("status");
    options.validate();
  } catch (const ConfigError& e) {
    std::cerr << "salesfollow-migrate: " << e.what() << "\n";
    return kExitBadConfig;
  }
  log::init("salesfollow-migrate", config.log_level);
  try {
    const auto clock = make_clock(config.test_clock_file);
    ConnectionPool db(config.db, nullptr);
    const auto deadline = std::chrono::steady_clock::now() + config.startup_timeout;
    while (!db.ping()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        std::cerr << "salesfollow-migrate: database " << config.db.describe() << " unreachable\n";
        return kExitDatabase;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    auto lease = db.acquire();
    Migrator migrator(lease.session(), *clock, "salesfollow-migrate");
    const auto& migrations = embedded_migrations();
    if (status_only) {
      const auto applied = migrator.applied();
      for (const auto& m : migrations) {
        const bool done =
            std::any_of(applied.begin(), applied.end(),
                        [&](const AppliedMigration& a) { return a.version == m.version; });
        std::cout << fmt::format("V{:03}__{:<40} {}\n", m.version, m.name,
                                 done ? "applied" : "pending");
      }
      return kExitOk;
    }
    const auto applied_now = migrator.apply(migrations);
    log::info("migrations_done",
              {{"applied", applied_now}, {"schema_version", migrator.current_version()}});
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "salesfollow-migrate: " << e.what() << "\n";
    return kExitDatabase;
  }
}
