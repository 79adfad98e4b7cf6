// Small SQL helpers shared by the repositories.
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "salesfollow/common/clock.h"

namespace salesfollow {

// An expression reading a DATETIME(6) column as microseconds since the epoch
// (exact, no text parsing; the pool sets the session time zone to UTC).
std::string micros_of(const std::string& column);
inline TimePoint from_micros(long long value) {
  return TimePoint(std::chrono::microseconds(value));
}

// An integer column, whatever width the driver chose for it.
long long integer_at(const soci::row& row, std::size_t index);
// A text column; "" for NULL.
std::string text_at(const soci::row& row, std::size_t index);

using SqlParams = std::vector<std::pair<std::string, std::string>>;

// Runs `query` with named parameters (":name", bound as text; MySQL converts
// them to the column's type) and calls `each(row)` for every row.
template <typename Each>
void for_each_row(soci::session& sql, const std::string& query, SqlParams params, Each&& each) {
  soci::row row;
  soci::statement statement = (sql.prepare << query);
  for (auto& [name, value] : params) statement.exchange(soci::use(value, name));
  statement.exchange(soci::into(row));
  statement.define_and_bind();
  statement.execute(false);
  while (statement.fetch()) each(row);
}

// ---- Hot reads without SOCI's row machinery
//
// SOCI's dynamic soci::row decodes every cell through type-erased holders
// (a dynamic_cast, an allocation and, for numbers, an istream parse per
// cell); a page of 51 customers x 31 columns cost ~1 ms of CPU in
// customer-service, more than MariaDB spent on the query (docs/PERFORMANCE.md,
// services finding 9). The reads on the hot paths take rows as text straight
// from libmariadb instead.

// One result row: the column texts as the server sent them (text protocol).
class TextRow {
 public:
  TextRow(char** fields, const unsigned long* lengths, std::size_t count)
      : fields_(fields), lengths_(lengths), count_(count) {}
  std::size_t size() const { return count_; }
  bool is_null(std::size_t i) const { return field(i) == nullptr; }
  // "" for NULL.
  std::string text(std::size_t i) const;
  std::optional<std::string> optional_text(std::size_t i) const;
  // A decimal integer column; throws std::runtime_error for NULL or non-numbers.
  long long integer(std::size_t i) const;

 private:
  const char* field(std::size_t i) const;
  char** fields_;
  const unsigned long* lengths_;
  std::size_t count_;
};

// `query` with each ":name" outside quoted literals replaced by the quoted
// value of the parameter `name` (what SOCI's MySQL backend does). Throws
// std::invalid_argument for a name without a value.
std::string bind_parameters(const std::string& query, const SqlParams& params,
                            const std::function<std::string(const std::string&)>& quote);

// Runs `query` (named parameters as in for_each_row) on the session's
// connection and calls `each(const TextRow&)` for every row. MySQL errors are
// thrown as soci::mysql_soci_error, like SOCI's, so callers classify them alike.
void for_each_text_row(soci::session& sql, const std::string& query, const SqlParams& params,
                       const std::function<void(const TextRow&)>& each);

// The AUTO_INCREMENT id of the session's last INSERT (for a multi-row INSERT,
// its first row), read from the client library (mysql_insert_id) instead of a
// "SELECT LAST_INSERT_ID()" round trip. Call it right after the INSERT: the
// next statement resets it.
std::uint64_t last_insert_id(soci::session& sql);

// A quoted SQL literal escaped by the connection (mysql_real_escape_string),
// for multi-row statements that SOCI's binding would send row by row.
std::string sql_quote(soci::session& sql, const std::string& value);

}  // namespace salesfollow
