#include "salesfollow/common/sql_util.h"

#include <fmt/format.h>
#include <soci/mysql/soci-mysql.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <stdexcept>

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

const char* TextRow::field(std::size_t i) const {
  if (i >= count_) throw std::out_of_range(fmt::format("column {} of a {}-column row", i, count_));
  return fields_[i];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic): libmariadb's row
}

std::string TextRow::text(std::size_t i) const {
  const char* value = field(i);
  return value == nullptr ? std::string() : std::string(value, lengths_[i]);  // NOLINT
}

std::optional<std::string> TextRow::optional_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

long long TextRow::integer(std::size_t i) const {
  const char* value = field(i);
  if (value == nullptr) throw std::runtime_error(fmt::format("column {} is NULL", i));
  const char* end = value + lengths_[i];  // NOLINT
  long long number = 0;
  const auto [stop, error] = std::from_chars(value, end, number);
  if (error != std::errc() || stop != end) {
    throw std::runtime_error(fmt::format("column {} is not an integer", i));
  }
  return number;
}

std::string bind_parameters(const std::string& query, const SqlParams& params,
                            const std::function<std::string(const std::string&)>& quote) {
  const auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  };
  std::string bound;
  bound.reserve(query.size() + 64);
  for (std::size_t i = 0; i < query.size();) {
    const char c = query[i];
    if (c == '\'' || c == '"' || c == '`') {  // a quoted literal or name: copied as is
      std::size_t end = i + 1;
      while (end < query.size() && query[end] != c)
        end += query[end] == '\\' ? std::size_t{2} : std::size_t{1};
      end = std::min(end + 1, query.size());
      bound.append(query, i, end - i);
      i = end;
    } else if (c == ':' && i + 1 < query.size() && is_name_char(query[i + 1])) {
      std::size_t end = i + 1;
      while (end < query.size() && is_name_char(query[end])) ++end;
      const std::string name = query.substr(i + 1, end - i - 1);
      const auto found = std::find_if(params.begin(), params.end(),
                                      [&](const auto& param) { return param.first == name; });
      if (found == params.end()) throw std::invalid_argument("no value for parameter :" + name);
      bound += quote(found->second);
      i = end;
    } else {
      bound += c;
      ++i;
    }
  }
  return bound;
}

void for_each_text_row(soci::session& sql, const std::string& query, const SqlParams& params,
                       const std::function<void(const TextRow&)>& each) {
  MYSQL* connection =
      static_cast<soci::mysql_session_backend*>(sql.get_backend())->conn_;  // NOLINT
  const std::string bound = bind_parameters(
      query, params, [&](const std::string& value) { return sql_quote(sql, value); });
  const auto fail = [&] {
    throw soci::mysql_soci_error(mysql_error(connection),
                                 static_cast<int>(mysql_errno(connection)));
  };
  if (mysql_real_query(connection, bound.data(), bound.size()) != 0) fail();
  const std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> result(
      mysql_store_result(connection), &mysql_free_result);
  if (!result) {
    if (mysql_field_count(connection) != 0) fail();
    return;  // a statement without a result set
  }
  const std::size_t columns = mysql_num_fields(result.get());
  while (MYSQL_ROW fields = mysql_fetch_row(result.get())) {
    each(TextRow(fields, mysql_fetch_lengths(result.get()), columns));
  }
}

std::uint64_t last_insert_id(soci::session& sql) {
  auto* backend = static_cast<soci::mysql_session_backend*>(sql.get_backend());  // NOLINT
  return mysql_insert_id(backend->conn_);
}

}  // namespace salesfollow
