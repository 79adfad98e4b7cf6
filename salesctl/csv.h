// CSV as RFC 4180 describes it, plus what spreadsheets really write: an
// optional UTF-8 byte-order mark, LF or CRLF line ends, quoted fields holding
// commas, quotes ("") and line breaks. The reader is incremental so that an
// import of a large file streams, and it reports a malformed record with its
// line number instead of giving up on the whole file.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salesfollow::salesctl {

using CsvRow = std::vector<std::string>;

struct CsvRecord {
  CsvRow fields;
  // 1-based line on which the record starts (a quoted line break makes a
  // record span several lines).
  std::size_t line = 0;
  // Set when the record is malformed (e.g. text after a closing quote); the
  // fields are then what could be read.
  std::string error;
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in);

  // The next record, or nullopt at the end. Blank lines are skipped.
  std::optional<CsvRecord> next();
  // Bytes consumed so far (BOM included), for progress reports.
  std::size_t bytes_read() const { return bytes_read_; }

 private:
  int get();
  int peek();

  std::istream& in_;
  std::size_t bytes_read_ = 0;
  std::size_t line_ = 1;
  bool started_ = false;
};

// Every record of `text` (for tests and small inputs).
std::vector<CsvRecord> parse_csv(std::string_view text);

// One field, quoted when it holds a comma, quote, CR or LF, or starts or ends
// with a space (which some readers trim).
std::string csv_field(std::string_view value);
// A record with its CRLF line end.
std::string csv_line(const CsvRow& row);

}  // namespace salesfollow::salesctl
