#include "csv.h"

#include <sstream>

namespace salesfollow::salesctl {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

CsvReader::CsvReader(std::istream& in) : in_(in) {}

int CsvReader::get() {
  const int c = in_.get();
  if (c != std::char_traits<char>::eof()) ++bytes_read_;
  return c;
}

int CsvReader::peek() { return in_.peek(); }

std::optional<CsvRecord> CsvReader::next() {
  constexpr int kEof = std::char_traits<char>::eof();
  if (!started_) {
    started_ = true;
    // Skip a byte-order mark; anything else that starts like one stays.
    if (peek() == static_cast<unsigned char>(kBom[0])) {
      std::string head;
      for (std::size_t i = 0; i < kBom.size() && peek() == static_cast<unsigned char>(kBom[i]); ++i)
        head += static_cast<char>(get());
      if (head != kBom) {
        // Not a BOM: put the bytes back as the start of the first field.
        for (auto it = head.rbegin(); it != head.rend(); ++it) in_.putback(*it);
        bytes_read_ -= head.size();
      }
    }
  }
  while (true) {
    if (peek() == kEof) return std::nullopt;
    CsvRecord record;
    record.line = line_;
    std::string field;
    bool quoted = false;       // inside quotes now
    bool was_quoted = false;   // this field started with a quote
    bool after_quote = false;  // a closing quote was read; only , or a line end may follow
    bool any_content = false;
    const auto end_field = [&] {
      record.fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      after_quote = false;
    };
    while (true) {
      const int c = get();
      if (c == kEof) {
        if (quoted && record.error.empty())
          record.error = "a quoted field is not closed before the end of the file";
        break;
      }
      const char ch = static_cast<char>(c);
      if (quoted) {
        if (ch == '"') {
          if (peek() == '"') {
            get();
            field += '"';
          } else {
            quoted = false;
            after_quote = true;
          }
        } else {
          if (ch == '\n') ++line_;
          field += ch;
        }
        continue;
      }
      if (ch == ',') {
        any_content = true;
        end_field();
        continue;
      }
      if (ch == '\r' || ch == '\n') {
        if (ch == '\r' && peek() == '\n') get();
        ++line_;
        break;
      }
      any_content = true;
      if (after_quote) {
        if (record.error.empty())
          record.error =
              "text after the closing quote of field " + std::to_string(record.fields.size() + 1);
        field += ch;
        continue;
      }
      if (ch == '"' && field.empty() && !was_quoted) {
        quoted = true;
        was_quoted = true;
        continue;
      }
      // A quote inside an unquoted field is not RFC 4180, but spreadsheets
      // write it (e.g. 12" screen): keep it as text.
      field += ch;
    }
    if (!any_content && field.empty() && !was_quoted && record.fields.empty()) continue;
    end_field();
    return record;
  }
}

std::vector<CsvRecord> parse_csv(std::string_view text) {
  std::istringstream in{std::string(text)};
  CsvReader reader(in);
  std::vector<CsvRecord> records;
  while (auto record = reader.next()) records.push_back(std::move(*record));
  return records;
}

std::string csv_field(std::string_view value) {
  const bool needs_quotes = value.find_first_of(",\"\r\n") != std::string_view::npos ||
                            (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!needs_quotes) return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_line(const CsvRow& row) {
  std::string out;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(row[i]);
  }
  out += "\r\n";
  return out;
}

}  // namespace salesfollow::salesctl
