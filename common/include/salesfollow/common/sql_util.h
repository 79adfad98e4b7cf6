// Small SQL helpers shared by the repositories.
#pragma once

#include <soci/soci.h>

#include <cstdint>
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

// The AUTO_INCREMENT id of the session's last INSERT (for a multi-row INSERT,
// its first row), read from the client library (mysql_insert_id) instead of a
// "SELECT LAST_INSERT_ID()" round trip. Call it right after the INSERT: the
// next statement resets it.
std::uint64_t last_insert_id(soci::session& sql);

// A quoted SQL literal escaped by the connection (mysql_real_escape_string),
// for multi-row statements that SOCI's binding would send row by row.
std::string sql_quote(soci::session& sql, const std::string& value);

}  // namespace salesfollow
