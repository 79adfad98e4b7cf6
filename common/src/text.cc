#include "salesfollow/common/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "salesfollow/common/errors.h"

namespace salesfollow {

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code = lead & 0x1FU;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code = lead & 0x0FU;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code = lead & 0x07U;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0U) != 0x80U) return false;
      code = (code << 6U) | (next & 0x3FU);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are invalid.
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10FFFF)) ||
        (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

void validate_text(const std::string& value, const std::string& field, std::size_t max_chars,
                   bool required, bool multi_line) {
  if (!is_valid_utf8(value)) throw invalid_field(field, "is not valid UTF-8");
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    const bool allowed_space = multi_line && (c == '\n' || c == '\t' || c == '\r');
    if ((byte < 0x20 || byte == 0x7F) && !allowed_space) {
      throw invalid_field(field, "contains a control character");
    }
  }
  const auto first = value.find_first_not_of(" \t\r\n");
  if (required && first == std::string::npos) throw invalid_field(field, "is required");
  if (utf8_length(value) > max_chars) {
    throw invalid_field(field, fmt::format("is longer than {} characters", max_chars));
  }
}

std::uint64_t parse_resource_id(const std::string& name, std::string_view collection,
                                const std::string& field) {
  const std::string prefix = std::string(collection) + "/";
  const std::string expected = "must be \"" + prefix + "{id}\"";
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size() ||
      name.size() > prefix.size() + 19) {
    throw invalid_field(field, expected);
  }
  const auto digits = name.substr(prefix.size());
  if (!std::all_of(digits.begin(), digits.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; }) ||
      digits[0] == '0') {
    throw invalid_field(field, expected + " with a positive number");
  }
  return std::stoull(digits);
}

std::string customer_name(std::uint64_t id) { return "customers/" + std::to_string(id); }

}  // namespace salesfollow
