// Text and resource-name checks shared by every service.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace salesfollow {

bool is_valid_utf8(std::string_view text);
std::size_t utf8_length(std::string_view text);

// A text field: valid UTF-8, no control characters except newline and tab in
// multi-line fields, at most `max_chars` characters; `required` refuses empty.
// Throws ServiceError INVALID_ARGUMENT naming `field`.
void validate_text(const std::string& value, const std::string& field, std::size_t max_chars,
                   bool required, bool multi_line = false);

// "{collection}/{id}" with a positive decimal id; throws INVALID_ARGUMENT naming `field`.
std::uint64_t parse_resource_id(const std::string& name, std::string_view collection,
                                const std::string& field);
// Parses "customers/{id}".
inline std::uint64_t parse_customer_name(const std::string& name,
                                         const std::string& field = "name") {
  return parse_resource_id(name, "customers", field);
}
std::string customer_name(std::uint64_t id);

}  // namespace salesfollow
