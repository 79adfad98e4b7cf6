#include "table.h"

#include <algorithm>
#include <cstdint>

namespace salesfollow::salesctl {
namespace {

struct Decoded {
  char32_t code_point;
  std::size_t length;  // bytes
};

// One UTF-8 sequence at the start of `text`; an invalid byte decodes as
// U+FFFD of length 1 so that a bad byte never swallows its neighbours.
Decoded decode(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  char32_t value = 0;
  if ((lead & 0xE0U) == 0xC0U) {
    length = 2;
    value = lead & 0x1FU;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3;
    value = lead & 0x0FU;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4;
    value = lead & 0x07U;
  } else {
    return {0xFFFD, 1};
  }
  if (text.size() < length) return {0xFFFD, 1};
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0U) != 0x80U) return {0xFFFD, 1};
    value = (value << 6U) | (byte(i) & 0x3FU);
  }
  return {value, length};
}

bool is_combining(char32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || c == 0xFE0F ||
         (c >= 0xFE20 && c <= 0xFE2F);
}

bool is_wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
         (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
         (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

std::size_t width_of(char32_t c) {
  if (is_combining(c)) return 0;
  return is_wide(c) ? 2 : 1;
}

std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return out;
}

std::string pad(const std::string& text, std::size_t width) {
  const std::size_t used = display_width(text);
  return used >= width ? text : text + std::string(width - used, ' ');
}

}  // namespace

std::size_t display_width(std::string_view utf8) {
  std::size_t width = 0;
  while (!utf8.empty()) {
    const auto d = decode(utf8);
    width += width_of(d.code_point);
    utf8.remove_prefix(d.length);
  }
  return width;
}

std::string fit_to_width(std::string_view utf8, std::size_t width) {
  if (display_width(utf8) <= width) return std::string(utf8);
  if (width == 0) return "";
  // Leave one cell for the ellipsis.
  std::string out;
  std::size_t used = 0;
  while (!utf8.empty()) {
    const auto d = decode(utf8);
    const std::size_t w = width_of(d.code_point);
    if (used + w > width - 1) break;
    out.append(utf8.substr(0, d.length));
    used += w;
    utf8.remove_prefix(d.length);
  }
  return out + "…";
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(std::max(cells.size(), headers_.size()));
  rows_.push_back(std::move(cells));
}

std::string Table::render(std::size_t max_cell_width) const {
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows_.size());
  std::vector<std::size_t> widths(headers_.size(), 0);
  for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = display_width(headers_[c]);
  for (const auto& row : rows_) {
    std::vector<std::string> fitted;
    for (std::size_t c = 0; c < headers_.size(); ++c) {
      fitted.push_back(fit_to_width(one_line(row[c]), max_cell_width));
      widths[c] = std::max(widths[c], display_width(fitted.back()));
    }
    cells.push_back(std::move(fitted));
  }
  const auto line = [&](const std::vector<std::string>& values) {
    std::string out;
    for (std::size_t c = 0; c < values.size(); ++c) {
      // The last column is not padded: no trailing spaces.
      out += c + 1 == values.size() ? values[c] : pad(values[c], widths[c]) + "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers_);
  std::vector<std::string> rule;
  for (const auto w : widths) rule.emplace_back(w, '-');
  out += line(rule);
  for (const auto& row : cells) out += line(row);
  return out;
}

std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t key_width = 0;
  for (const auto& [key, value] : fields) key_width = std::max(key_width, display_width(key));
  std::string out;
  for (const auto& [key, value] : fields) out += pad(key + ":", key_width + 1) + " " + value + "\n";
  return out;
}

}  // namespace salesfollow::salesctl
