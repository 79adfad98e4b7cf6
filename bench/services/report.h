// Output: the table on stdout and the JSON file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "driver.h"

namespace salesfollow::bench {

struct Row {
  std::string scenario;
  std::string variant;    // service, db floor, grpc floor, service @ rate
  int clients = 0;
  double rate = 0;        // offered rate for fixed-rate runs
  std::string unit = "calls/s";
  double throughput = 0;  // units per second
  LoadResult result;
};

struct Verdict {
  std::string scenario;
  std::string target;     // human text
  double figure = 0;
  double threshold = 0;
  bool met = false;
  std::string detail;
};

nlohmann::json to_json(const Row& row);
void print_rows(const std::vector<Row>& rows);
void print_verdicts(const std::vector<Verdict>& verdicts);

}  // namespace salesfollow::bench
