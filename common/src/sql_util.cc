#include "salesfollow/common/sql_util.h"

#include <fmt/format.h>
#include <soci/mysql/soci-mysql.h>

namespace salesfollow {

std::string micros_of(const std::string& column) {
  return fmt::format("CAST(UNIX_TIMESTAMP({}) * 1000000 AS SIGNED)", column);
}

long long integer_at(const soci::row& row, std::size_t index) {
  switch (row.get_properties(index).get_data_type()) {
    case soci::dt_integer:
      return row.get<int>(index);
    case soci::dt_long_long:
      return row.get<long long>(index);
    case soci::dt_unsigned_long_long:
      return static_cast<long long>(row.get<unsigned long long>(index));
    case soci::dt_double:
      return static_cast<long long>(row.get<double>(index));
    case soci::dt_string:
      return std::stoll(row.get<std::string>(index));
    default:
      throw std::runtime_error("unexpected column type for an integer");
  }
}

std::string text_at(const soci::row& row, std::size_t index) {
  return row.get_indicator(index) == soci::i_null ? std::string() : row.get<std::string>(index);
}

std::string sql_quote(soci::session& sql, const std::string& value) {
  auto* backend = static_cast<soci::mysql_session_backend*>(sql.get_backend());  // NOLINT
  std::string escaped(value.size() * 2 + 1, '\0');
  const auto length =
      mysql_real_escape_string(backend->conn_, escaped.data(), value.data(), value.size());
  escaped.resize(length);
  return "'" + escaped + "'";
}

std::uint64_t last_insert_id(soci::session& sql) {
  auto* backend = static_cast<soci::mysql_session_backend*>(sql.get_backend());  // NOLINT
  return mysql_insert_id(backend->conn_);
}

}  // namespace salesfollow
