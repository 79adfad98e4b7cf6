// Versioned, append-only SQL migrations.
//
// Files are named V<version>__<name>.sql (V001__baseline.sql) and are compiled
// into every binary, so a container needs no migration files on disk. The
// migrator records version, name, SHA-256 checksum and time of each applied
// file in `schema_migrations`, refuses to run when an applied file was edited
// (its checksum changed) or removed, and takes a named lock so that two
// migrators never run at once. MySQL commits DDL implicitly, so a file that
// fails half way is not recorded: fix it and run again (keep each file's
// statements re-runnable or small).
#pragma once

#include <soci/soci.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "salesfollow/common/clock.h"

namespace salesfollow {

struct Migration {
  int version = 0;
  std::string name;  // from the file name: V001__baseline.sql -> "baseline"
  std::string sql;

  std::string checksum() const;  // SHA-256 of the file's bytes, hex
};

struct MigrationFileName {
  int version;
  std::string name;
};
// Parses "V001__baseline.sql"; nullopt when the name does not follow the pattern.
std::optional<MigrationFileName> parse_migration_file_name(std::string_view file_name);

// The migrations compiled into this binary, in version order.
const std::vector<Migration>& embedded_migrations();

// Throws std::invalid_argument unless versions are positive, unique and the
// list is sorted; every migration must hold at least one statement.
void check_migration_sequence(const std::vector<Migration>& migrations);

// Splits a file into statements at semicolons outside quotes and comments.
std::vector<std::string> split_sql_statements(std::string_view sql);

struct AppliedMigration {
  int version;
  std::string name;
  std::string checksum;
};

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Migrator {
 public:
  Migrator(soci::session& sql, const Clock& clock, std::string applied_by);

  // Applies every migration newer than the database; returns the versions
  // applied (empty when already up to date). Throws MigrationError when an
  // applied migration was edited or removed, or the lock cannot be taken.
  std::vector<int> apply(const std::vector<Migration>& migrations);

  // Highest applied version (0 for an empty database).
  int current_version();
  std::vector<AppliedMigration> applied();

  // Throws MigrationError unless the database has at least `required_version`
  // and every applied migration known to this binary has its checksum.
  void verify(const std::vector<Migration>& migrations, int required_version);

 private:
  void ensure_history_table();
  void check_history_matches(const std::vector<Migration>& migrations);

  soci::session& sql_;
  const Clock& clock_;
  std::string applied_by_;
};

}  // namespace salesfollow
