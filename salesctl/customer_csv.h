// The customer CSV format of import and export: one header row naming the
// columns (English names or the Chinese ones of the team's sheet), one
// customer per row. Export writes the same columns plus read-only ones (id,
// stage, team, created) that import ignores, so an exported file goes back in.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "csv.h"
#include "labels.h"
#include "salesfollow/v1/customer.pb.h"

namespace salesfollow::salesctl {

// The writable columns, in export order.
const std::vector<std::string>& customer_columns();

struct CsvHeader {
  std::map<std::string, std::size_t> columns;  // canonical name -> position
  std::size_t width = 0;                       // number of header fields
  std::vector<std::string> ignored;            // columns import does not read
};

// Throws std::invalid_argument when the header lacks display_name or names a
// column twice.
CsvHeader read_customer_header(const CsvRow& header);

struct CustomerRow {
  std::optional<v1::Customer> customer;  // set when the row is usable
  std::string error;                     // why not, otherwise
};

// Checks what can be checked without the service (record well-formed, as
// many fields as the header, valid UTF-8) and fills a Customer.
CustomerRow customer_from_record(const CsvHeader& header, const CsvRecord& record);

// Export: the header and one row per customer.
CsvRow export_header();
CsvRow export_row(const v1::Customer& customer, const TeamTime& time);

}  // namespace salesfollow::salesctl
