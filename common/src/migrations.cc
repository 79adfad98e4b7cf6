#include "salesfollow/common/migrations.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <regex>
#include <set>

#include "salesfollow/common/log.h"

namespace salesfollow {
namespace {

constexpr const char* kLockName = "salesfollow.schema_migrations";
constexpr int kLockWaitSeconds = 60;

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

bool only_whitespace(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

// Holds MySQL's named lock for the lifetime of the object.
class NamedLock {
 public:
  NamedLock(soci::session& sql, const std::string& name, int wait_seconds)
      : sql_(sql), name_(name) {
    soci::indicator got_indicator = soci::i_ok;
    int got = 0;
    sql_ << "SELECT GET_LOCK(:name, :wait)", soci::use(name_), soci::use(wait_seconds),
        soci::into(got, got_indicator);
    if (got_indicator != soci::i_ok || got != 1) {
      throw MigrationError(
          fmt::format("another migration holds lock '{}' for more than {} s; try again later",
                      name_, wait_seconds));
    }
  }
  NamedLock(const NamedLock&) = delete;
  NamedLock& operator=(const NamedLock&) = delete;
  ~NamedLock() {
    try {
      int released = 0;
      soci::indicator released_indicator = soci::i_ok;
      sql_ << "SELECT RELEASE_LOCK(:name)", soci::use(name_),
          soci::into(released, released_indicator);
    } catch (const std::exception&) {
      // The lock dies with the connection anyway.
    }
  }

 private:
  soci::session& sql_;
  std::string name_;
};

}  // namespace

std::string Migration::checksum() const { return sha256_hex(sql); }

std::optional<MigrationFileName> parse_migration_file_name(std::string_view file_name) {
  static const std::regex pattern(R"(V([0-9]{3,6})__([a-z0-9_]+)\.sql)");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_match(file_name.begin(), file_name.end(), match, pattern)) return std::nullopt;
  const int version = std::stoi(match[1].str());
  if (version <= 0) return std::nullopt;
  return MigrationFileName{version, match[2].str()};
}

void check_migration_sequence(const std::vector<Migration>& migrations) {
  int previous = 0;
  for (const auto& m : migrations) {
    if (m.version <= 0) {
      throw std::invalid_argument(fmt::format("migration '{}' has version {}", m.name, m.version));
    }
    if (m.version == previous) {
      throw std::invalid_argument(fmt::format("two migrations have version {}", m.version));
    }
    if (m.version < previous) {
      throw std::invalid_argument(
          fmt::format("migration V{:03} comes after V{:03}: not sorted", m.version, previous));
    }
    if (split_sql_statements(m.sql).empty()) {
      throw std::invalid_argument(fmt::format("migration V{:03} holds no statement", m.version));
    }
    previous = m.version;
  }
}

std::vector<std::string> split_sql_statements(std::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  enum class State { code, single_quote, double_quote, backtick, line_comment, block_comment };
  State state = State::code;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    switch (state) {
      case State::code:
        if (c == ';') {
          if (!only_whitespace(current)) statements.push_back(current);
          current.clear();
          continue;
        }
        if (c == '-' && next == '-') {
          state = State::line_comment;
          ++i;
          continue;
        }
        if (c == '#') {
          state = State::line_comment;
          continue;
        }
        if (c == '/' && next == '*') {
          state = State::block_comment;
          ++i;
          continue;
        }
        if (c == '\'') state = State::single_quote;
        if (c == '"') state = State::double_quote;
        if (c == '`') state = State::backtick;
        current += c;
        break;
      case State::single_quote:
      case State::double_quote:
      case State::backtick: {
        current += c;
        const char closing = state == State::single_quote   ? '\''
                             : state == State::double_quote ? '"'
                                                            : '`';
        if (c == '\\' && state != State::backtick && next != '\0') {
          current += next;
          ++i;
        } else if (c == closing) {
          state = State::code;
        }
        break;
      }
      case State::line_comment:
        if (c == '\n') {
          state = State::code;
          current += c;
        }
        break;
      case State::block_comment:
        if (c == '*' && next == '/') {
          state = State::code;
          current += ' ';
          ++i;
        }
        break;
    }
  }
  if (!only_whitespace(current)) statements.push_back(current);
  for (auto& s : statements) {
    const auto first = s.find_first_not_of(" \t\r\n");
    const auto last = s.find_last_not_of(" \t\r\n");
    s = s.substr(first, last - first + 1);
  }
  return statements;
}

Migrator::Migrator(soci::session& sql, const Clock& clock, std::string applied_by)
    : sql_(sql), clock_(clock), applied_by_(std::move(applied_by)) {}

void Migrator::ensure_history_table() {
  sql_ << "CREATE TABLE IF NOT EXISTS schema_migrations ("
          "  version INT NOT NULL PRIMARY KEY,"
          "  name VARCHAR(200) NOT NULL,"
          "  checksum CHAR(64) NOT NULL,"
          "  applied_at DATETIME(6) NOT NULL,"
          "  applied_by VARCHAR(100) NOT NULL,"
          "  execution_ms INT NOT NULL"
          ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";
}

std::vector<AppliedMigration> Migrator::applied() {
  std::vector<AppliedMigration> result;
  int table_count = 0;
  sql_ << "SELECT COUNT(*) FROM information_schema.tables "
          "WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'",
      soci::into(table_count);
  if (table_count == 0) return result;
  const soci::rowset<soci::row> rows =
      (sql_.prepare << "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  for (const auto& row : rows) {
    result.push_back({row.get<int>(0), row.get<std::string>(1), row.get<std::string>(2)});
  }
  return result;
}

int Migrator::current_version() {
  const auto rows = applied();
  return rows.empty() ? 0 : rows.back().version;
}

void Migrator::check_history_matches(const std::vector<Migration>& migrations) {
  for (const auto& done : applied()) {
    const auto known = std::find_if(migrations.begin(), migrations.end(),
                                    [&](const Migration& m) { return m.version == done.version; });
    if (known == migrations.end()) {
      // Newer than this binary (a later release migrated): allowed, because
      // migrations are additive. A gap below our newest is a removed file.
      if (!migrations.empty() && done.version < migrations.back().version) {
        throw MigrationError(fmt::format(
            "migration V{:03}__{} was applied to the database but its file is gone; migrations "
            "are append-only",
            done.version, done.name));
      }
      continue;
    }
    if (known->checksum() != done.checksum) {
      throw MigrationError(fmt::format(
          "migration V{:03}__{} was edited after it was applied (checksum {} in the database, {} "
          "in the file); add a new migration instead of editing an applied one",
          done.version, done.name, done.checksum.substr(0, 12), known->checksum().substr(0, 12)));
    }
  }
}

std::vector<int> Migrator::apply(const std::vector<Migration>& migrations) {
  check_migration_sequence(migrations);
  const NamedLock lock(sql_, kLockName, kLockWaitSeconds);
  ensure_history_table();
  check_history_matches(migrations);
  const int current = current_version();
  std::vector<int> applied_now;
  for (const auto& migration : migrations) {
    if (migration.version <= current) continue;
    const auto started = std::chrono::steady_clock::now();
    for (const auto& statement : split_sql_statements(migration.sql)) {
      try {
        sql_ << statement;
      } catch (const soci::soci_error& e) {
        throw MigrationError(fmt::format("migration V{:03}__{} failed: {}", migration.version,
                                         migration.name, e.what()));
      }
    }
    const auto elapsed_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::steady_clock::now() - started)
                                                 .count());
    const std::string applied_at = to_sql_datetime(clock_.now());
    const std::string checksum = migration.checksum();
    // applied_at is written by us (the product clock), never by NOW().
    sql_ << "INSERT INTO schema_migrations (version, name, checksum, applied_at, applied_by, "
            "execution_ms) VALUES (:version, :name, :checksum, "
            ":applied_at, :applied_by, :ms)",
        soci::use(migration.version), soci::use(migration.name), soci::use(checksum),
        soci::use(applied_at), soci::use(applied_by_), soci::use(elapsed_ms);
    log::info(
        "migration_applied",
        {{"version", migration.version}, {"name", migration.name}, {"execution_ms", elapsed_ms}});
    applied_now.push_back(migration.version);
  }
  return applied_now;
}

void Migrator::verify(const std::vector<Migration>& migrations, int required_version) {
  check_history_matches(migrations);
  const int current = current_version();
  if (current < required_version) {
    throw MigrationError(
        fmt::format("database schema is at version {} but {} needs at least version {}; run "
                    "salesfollow-migrate (or start with --migrate-on-start)",
                    current, applied_by_, required_version));
  }
}

}  // namespace salesfollow
