#include "customer_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "salesfollow/common/clock.h"
#include "salesfollow/common/errors.h"
#include "salesfollow/v1/stage.pb.h"

namespace salesfollow::customer_service {
namespace {

ServiceError bad_filter(const std::string& problem) { return invalid_field("filter", problem); }

struct Token {
  std::string field, op, value;
};

// Splits the filter into terms "field op value" separated by AND.
std::vector<Token> tokenize(const std::string& filter) {
  std::vector<Token> terms;
  std::size_t i = 0;
  const auto skip_spaces = [&] {
    while (i < filter.size() && std::isspace(static_cast<unsigned char>(filter[i])) != 0) ++i;
  };
  for (;;) {
    skip_spaces();
    if (i >= filter.size()) break;
    Token term;
    while (i < filter.size() &&
           (std::isalnum(static_cast<unsigned char>(filter[i])) != 0 || filter[i] == '_')) {
      term.field += filter[i++];
    }
    if (term.field.empty())
      throw bad_filter(fmt::format("expected a field name at position {}", i + 1));
    skip_spaces();
    for (const char* op : {"<=", ">=", "!=", "=", "<", ">", ":"}) {
      if (filter.compare(i, std::char_traits<char>::length(op), op) == 0) {
        term.op = op;
        i += term.op.size();
        break;
      }
    }
    if (term.op.empty())
      throw bad_filter(fmt::format("expected an operator after '{}'", term.field));
    skip_spaces();
    if (i < filter.size() && filter[i] == '"') {
      ++i;
      bool closed = false;
      while (i < filter.size()) {
        const char c = filter[i++];
        if (c == '\\' && i < filter.size()) {
          term.value += filter[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          term.value += c;
        }
      }
      if (!closed) throw bad_filter("unterminated quoted value");
    } else {
      while (i < filter.size() && std::isspace(static_cast<unsigned char>(filter[i])) == 0) {
        term.value += filter[i++];
      }
      if (term.value.empty()) throw bad_filter(fmt::format("'{}' needs a value", term.field));
    }
    terms.push_back(term);
    skip_spaces();
    if (i >= filter.size()) break;
    if (filter.compare(i, 3, "AND") != 0 ||
        (i + 3 < filter.size() && std::isspace(static_cast<unsigned char>(filter[i + 3])) == 0)) {
      throw bad_filter(fmt::format("expected AND at position {} (only AND is supported)", i + 1));
    }
    i += 3;
    skip_spaces();
    if (i >= filter.size()) throw bad_filter("ends with AND: a term must follow it");
  }
  return terms;
}

bool is_date(const std::string& text) {
  return text.size() == 10 && text[4] == '-' && text[7] == '-' &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-';
         });
}

std::string sql_comparison(const std::string& op) { return op == "!=" ? "<>" : op; }

std::string escape_like(const std::string& text) {
  std::string escaped;
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

}  // namespace

int parse_stage_name(const std::string& text) {
  std::string upper;
  for (const char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.rfind("STAGE_", 0) != 0) upper = "STAGE_" + upper;
  v1::Stage stage = v1::STAGE_UNSPECIFIED;
  if (!v1::Stage_Parse(upper, &stage)) return 0;
  return static_cast<int>(stage);
}

CustomerQuery parse_customer_filter(const std::string& filter) {
  if (filter.size() > 2000) throw bad_filter("is longer than 2000 characters");
  CustomerQuery query;
  const auto terms = tokenize(filter);
  for (std::size_t n = 0; n < terms.size(); ++n) {
    const auto& [field, op, value] = terms[n];
    const std::string p = fmt::format(":f{}", n);
    const bool equality = op == "=" || op == "!=";
    const bool ordering = op != ":";
    if (field == "owner_id" || field == "industry" || field == "source" || field == "team_id") {
      if (!equality) throw bad_filter(fmt::format("{} supports only = and !=", field));
      query.conditions.push_back(
          {fmt::format("c.{} {} {}", field, sql_comparison(op), p), {value}});
    } else if (field == "stage") {
      if (!equality) throw bad_filter("stage supports only = and !=");
      const int stage = parse_stage_name(value);
      if (stage == 0) throw bad_filter(fmt::format("unknown stage '{}'", value));
      query.conditions.push_back(
          {fmt::format("c.stage {} {}", sql_comparison(op), p), {std::to_string(stage)}});
    } else if (field == "need_tag") {
      if (op != "=") throw bad_filter("need_tag supports only =");
      query.conditions.push_back(
          {fmt::format("EXISTS (SELECT 1 FROM customer_need_tags t WHERE t.customer_id = c.id "
                       "AND t.tag = {})",
                       p),
           {value}});
    } else if (field == "display_name") {
      if (op != ":") throw bad_filter("display_name supports only ':' (contains)");
      query.conditions.push_back(
          {fmt::format("c.display_name LIKE CONCAT('%', {}, '%') ESCAPE '\\\\'", p),
           {escape_like(value)}});
    } else if (field == "first_contact_date") {
      if (!ordering) throw bad_filter("first_contact_date supports = != < <= > >=");
      if (!is_date(value)) throw bad_filter("first_contact_date needs a date \"YYYY-MM-DD\"");
      query.conditions.push_back(
          {fmt::format("c.first_contact_date {} {}", sql_comparison(op), p), {value}});
    } else if (field == "create_time") {
      if (!ordering) throw bad_filter("create_time supports = != < <= > >=");
      const auto instant = parse_rfc3339(value);
      if (!instant) throw bad_filter("create_time needs an RFC 3339 instant");
      query.conditions.push_back(
          {fmt::format("c.created_at {} {}", sql_comparison(op), p), {to_sql_datetime(*instant)}});
    } else {
      throw bad_filter(
          fmt::format("unknown field '{}' (owner_id, team_id, stage, industry, source, need_tag, "
                      "display_name, first_contact_date, create_time)",
                      field));
    }
    query.canonical_filter += fmt::format("{}{}{}\x1f", field, op, value);
  }
  return query;
}

CustomerOrder parse_customer_order(const std::string& order_by) {
  std::string field;
  std::string direction;
  std::size_t i = 0;
  while (i < order_by.size() && order_by[i] == ' ') ++i;
  while (i < order_by.size() && order_by[i] != ' ') field += order_by[i++];
  while (i < order_by.size() && order_by[i] == ' ') ++i;
  while (i < order_by.size() && order_by[i] != ' ') direction += order_by[i++];
  while (i < order_by.size() && order_by[i] == ' ') ++i;
  if (i != order_by.size() || (!direction.empty() && direction != "desc" && direction != "asc")) {
    throw invalid_field("order_by", "must be '<field>' or '<field> desc'");
  }
  static const std::map<std::string, std::string> columns = {
      {"create_time", "created_at"},
      {"display_name", "display_name"},
      {"first_contact_date", "first_contact_date"}};
  if (field.empty()) return {"created_at", true, "create_time desc"};
  const auto found = columns.find(field);
  if (found == columns.end()) {
    throw invalid_field("order_by", "can order by create_time, display_name or first_contact_date");
  }
  const bool descending = direction == "desc";
  return {found->second, descending, field + (descending ? " desc" : " asc")};
}

}  // namespace salesfollow::customer_service
