// Small SQL helpers shared by the repositories.
#pragma once

#include <soci/soci.h>

#include <string>

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

// A quoted SQL literal escaped by the connection (mysql_real_escape_string),
// for multi-row statements that SOCI's binding would send row by row.
std::string sql_quote(soci::session& sql, const std::string& value);

}  // namespace salesfollow
