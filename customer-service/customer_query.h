// ListCustomers' filter and order_by, parsed into SQL conditions with bound
// values. The grammar is a small subset of AIP-160: terms joined by AND,
//   field op value      op: = != < <= > >= and ':' (substring, display_name only)
// values quoted ("..." with \" and \\ escapes) or bare (enum names, codes).
#pragma once

#include <string>
#include <vector>

namespace salesfollow::customer_service {

struct SqlCondition {
  std::string sql;                  // uses :pN placeholders
  std::vector<std::string> values;  // bound in order
};

struct CustomerQuery {
  std::vector<SqlCondition> conditions;
  // Canonical text of the filter (for page-token fingerprints).
  std::string canonical_filter;
};

// Throws ServiceError INVALID_ARGUMENT naming "filter".
CustomerQuery parse_customer_filter(const std::string& filter);

struct CustomerOrder {
  std::string column;  // created_at | display_name | first_contact_date
  bool descending = true;
  std::string canonical;  // e.g. "create_time desc"
};

// Throws ServiceError INVALID_ARGUMENT naming "order_by".
CustomerOrder parse_customer_order(const std::string& order_by);

// Parses "STAGE_HIGH_INTENTION", "HIGH_INTENTION" or "high_intention"; 0 when unknown.
int parse_stage_name(const std::string& text);

}  // namespace salesfollow::customer_service
