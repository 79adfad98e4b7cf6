// Helpers of the report-worker tests: a migrated database loaded from the
// golden SQL files of tests/golden/reports, a test clock file, running the
// worker to completion (or starting it to kill it), and dumping the summary
// tables in the text format of the *.expected files.
#pragma once

#include <soci/soci.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "salesfollow/common/db_pool.h"

namespace salesfollow::testing::reports {

// A fresh database on the shared test server, migrated to the latest schema.
DbConfig migrated_database(const std::string& prefix);

// A root session on `db` (session time zone UTC, like the services').
std::unique_ptr<soci::session> root_session(const DbConfig& db);

// tests/golden/reports/<name>.
std::filesystem::path golden_file(const std::string& name);

// Runs the statements of an SQL file: statements end with ';' at the end of
// a line; lines starting with "--" are comments.
void load_sql(soci::session& sql, const std::filesystem::path& file);

// The content of an .expected file without comment ('#') and blank lines.
std::string expected_rows(const std::string& name);

// Every summary table, in the format of the .expected files: a "[table]"
// line, then one line per row ordered by every key column.
std::string dump_reports(soci::session& sql);
// The rows of one week in every weekly table plus its report_periods row
// ("week|YYYY-MM-DD|rows_written"), for the all-or-nothing checks.
std::string dump_week(soci::session& sql, const std::string& week_start);

// The first column of every row of `query`, as text (NULL as "NULL").
std::vector<std::string> query_texts(soci::session& sql, const std::string& query);
long long query_number(soci::session& sql, const std::string& query);

// A clock file for --test-clock-file, removed at destruction.
class TestClock {
 public:
  TestClock();
  ~TestClock();
  TestClock(const TestClock&) = delete;
  TestClock& operator=(const TestClock&) = delete;
  void set(const std::string& rfc3339);
  std::string flag() const { return "--test-clock-file=" + path_.string(); }

 private:
  std::filesystem::path path_;
};

struct WorkerExit {
  int status = -1;  // exit status, 128+signal, or -1 on timeout (then killed)
  std::string output;
};

// The report-worker command line for `db` with the test clock and `extra`.
std::vector<std::string> worker_command(const DbConfig& db, const TestClock& clock,
                                        const std::vector<std::string>& extra);
// Runs report-worker (e.g. with --once or --backfill-*) until it exits.
WorkerExit run_worker(const DbConfig& db, const TestClock& clock,
                      const std::vector<std::string>& extra,
                      std::chrono::seconds timeout = std::chrono::seconds(300));
// Starts report-worker and returns its pid at once; output goes to `log`.
int start_worker(const DbConfig& db, const TestClock& clock, const std::vector<std::string>& extra,
                 const std::filesystem::path& log);

}  // namespace salesfollow::testing::reports
