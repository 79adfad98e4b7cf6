// Plain-text tables for a terminal. Columns are measured in display cells,
// not bytes: Chinese characters take two cells, so that a column of customer
// names lines up.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace salesfollow::salesctl {

// Cells the UTF-8 text takes on a terminal: East Asian wide and fullwidth
// characters 2, combining marks 0, everything else 1. Invalid bytes count 1.
std::size_t display_width(std::string_view utf8);

// The longest prefix of `utf8` (whole characters) that fits in `width`
// cells, ending with "…" when something was cut.
std::string fit_to_width(std::string_view utf8, std::size_t width);

class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Short rows are padded with empty cells.
  void add_row(std::vector<std::string> cells);
  std::size_t row_count() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }

  // Columns separated by two spaces, the header underlined; line breaks in
  // cells become spaces and cells wider than `max_cell_width` are cut.
  std::string render(std::size_t max_cell_width = 40) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key: value" lines for one record, keys padded to one width.
std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace salesfollow::salesctl
