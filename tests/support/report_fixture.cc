#include "report_fixture.h"

#include <signal.h>
#include <soci/mysql/soci-mysql.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "child_process.h"
#include "mariadb_server.h"
#include "salesfollow/common/clock.h"

#ifndef REPORT_GOLDEN_DIR
#error "REPORT_GOLDEN_DIR must name tests/golden/reports"
#endif

namespace salesfollow::testing::reports {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// The fixed SELECTs behind the .expected files, one per table.
struct TableDump {
  const char* table;
  const char* select;  // one text column per row
};

const std::vector<TableDump>& table_dumps() {
  static const std::vector<TableDump> dumps = {
      {"report_weekly_new_customers",
       "SELECT CONCAT_WS('|', week_start, IF(owner_id = '', '(all)', owner_id), IF(team_id = '', "
       "'-', team_id), source, industry, customers) FROM report_weekly_new_customers {} ORDER BY "
       "week_start, owner_id, source, industry"},
      {"report_weekly_stages",
       "SELECT CONCAT_WS('|', week_start, IF(owner_id = '', '(all)', owner_id), IF(team_id = '', "
       "'-', team_id), stage, customers, existing, IFNULL(CAST(share AS DECIMAL(10,6)), 'NULL'), "
       "IFNULL(CAST(change_pp AS DECIMAL(10,4)), 'NULL')) FROM report_weekly_stages {} ORDER BY "
       "week_start, owner_id, stage"},
      {"report_weekly_losses",
       "SELECT CONCAT_WS('|', week_start, IF(owner_id = '', '(all)', owner_id), IF(team_id = '', "
       "'-', team_id), loss_reason, losses) FROM report_weekly_losses {} ORDER BY week_start, "
       "owner_id, loss_reason"},
      {"report_weekly_wins",
       "SELECT CONCAT_WS('|', week_start, customer_id, owner_id, team_id, cycle_days, follow_ups) "
       "FROM report_weekly_wins {} ORDER BY week_start, customer_id"},
      {"report_weekly_transitions",
       "SELECT CONCAT_WS('|', week_start, stage_event_id, customer_id, owner_id, team_id, "
       "from_stage, to_stage, seconds_in_stage) FROM report_weekly_transitions {} ORDER BY "
       "week_start, stage_event_id"},
      {"report_monthly_distribution",
       "SELECT CONCAT_WS('|', month_start, owner_id, team_id, stage, customers) FROM "
       "report_monthly_distribution {} ORDER BY month_start, owner_id, stage"},
      {"report_periods",
       "SELECT CONCAT_WS('|', kind, period_start) FROM report_periods {} ORDER BY kind, "
       "period_start"},
  };
  return dumps;
}

std::string with_where(const std::string& select, const std::string& where) {
  std::string text = select;
  const auto at = text.find("{}");
  text.replace(at, 2, where);
  return text;
}

std::atomic<int> clock_counter{0};

}  // namespace

DbConfig migrated_database(const std::string& prefix) {
  auto db = fresh_database(prefix);
  std::string output;
  const int status = run_service_to_exit(MIGRATE_BIN, db, {}, output);
  if (status != 0) throw std::runtime_error("migration failed:\n" + output);
  return db;
}

std::unique_ptr<soci::session> root_session(const DbConfig& db) {
  auto config = shared_mariadb().root_config(db.database);
  auto session = std::make_unique<soci::session>(soci::mysql, config.connection_string());
  *session << "SET SESSION time_zone = '+00:00'";
  return session;
}

std::filesystem::path golden_file(const std::string& name) {
  return std::filesystem::path(REPORT_GOLDEN_DIR) / name;
}

void load_sql(soci::session& sql, const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::string statement;
  for (std::string line; std::getline(in, line);) {
    const std::string text = trim(line);
    if (text.empty() || text.rfind("--", 0) == 0) continue;
    statement += line + "\n";
    if (text.back() == ';') {
      statement = trim(statement);
      statement.pop_back();  // the ';'
      try {
        sql << statement;
      } catch (const std::exception& e) {
        throw std::runtime_error(file.filename().string() + ": " + e.what() + "\n" + statement);
      }
      statement.clear();
    }
  }
  if (!trim(statement).empty()) {
    throw std::runtime_error(file.filename().string() + ": statement without ';' at the end");
  }
}

std::string expected_rows(const std::string& name) {
  std::ifstream in(golden_file(name));
  if (!in) throw std::runtime_error("cannot read " + golden_file(name).string());
  std::string out;
  for (std::string line; std::getline(in, line);) {
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    out += text + "\n";
  }
  return out;
}

std::vector<std::string> query_texts(soci::session& sql, const std::string& query) {
  std::vector<std::string> out;
  soci::rowset<soci::row> rows = (sql.prepare << query);
  for (const auto& row : rows) {
    if (row.get_indicator(0) == soci::i_null) {
      out.emplace_back("NULL");
      continue;
    }
    switch (row.get_properties(0).get_data_type()) {
      case soci::dt_string:
        out.push_back(row.get<std::string>(0));
        break;
      case soci::dt_integer:
        out.push_back(std::to_string(row.get<int>(0)));
        break;
      case soci::dt_long_long:
        out.push_back(std::to_string(row.get<long long>(0)));
        break;
      case soci::dt_unsigned_long_long:
        out.push_back(std::to_string(row.get<unsigned long long>(0)));
        break;
      case soci::dt_double: {
        std::ostringstream text;
        text << row.get<double>(0);
        out.push_back(text.str());
        break;
      }
      default:
        throw std::runtime_error("query_texts: unsupported column type in: " + query);
    }
  }
  return out;
}

long long query_number(soci::session& sql, const std::string& query) {
  const auto rows = query_texts(sql, query);
  if (rows.size() != 1 || rows[0] == "NULL") {
    throw std::runtime_error("query_number: expected one non-NULL value from: " + query);
  }
  return std::stoll(rows[0]);
}

std::string dump_reports(soci::session& sql) {
  std::string out;
  for (const auto& dump : table_dumps()) {
    out += std::string("[") + dump.table + "]\n";
    for (const auto& line : query_texts(sql, with_where(dump.select, ""))) out += line + "\n";
  }
  return out;
}

std::string dump_week(soci::session& sql, const std::string& week_start) {
  std::string out;
  for (const auto& dump : table_dumps()) {
    const std::string table = dump.table;
    if (table.rfind("report_weekly_", 0) != 0) continue;
    out += "[" + table + "]\n";
    for (const auto& line :
         query_texts(sql, with_where(dump.select, "WHERE week_start = '" + week_start + "'"))) {
      out += line + "\n";
    }
  }
  out += "[report_periods]\n";
  for (const auto& line : query_texts(
           sql,
           "SELECT CONCAT_WS('|', kind, period_start, rows_written) FROM report_periods WHERE "
           "kind = 'week' AND period_start = '" +
               week_start + "'")) {
    out += line + "\n";
  }
  return out;
}

TestClock::TestClock()
    : path_(std::filesystem::temp_directory_path() /
            ("salesfollow-report-clock-" + std::to_string(::getpid()) + "-" +
             std::to_string(clock_counter++))) {}

TestClock::~TestClock() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void TestClock::set(const std::string& rfc3339) {
  const auto instant = parse_rfc3339(rfc3339);
  if (!instant) throw std::invalid_argument("not an RFC 3339 instant: " + rfc3339);
  write_clock_file(path_, *instant);
}

std::vector<std::string> worker_command(const DbConfig& db, const TestClock& clock,
                                        const std::vector<std::string>& extra) {
  std::vector<std::string> args = {REPORT_WORKER_BIN, "--grpc-listen=127.0.0.1:0",
                                   "--metrics-listen=127.0.0.1:0", "--startup-timeout=10s",
                                   clock.flag()};
  const auto db_args = database_args(db);
  args.insert(args.end(), db_args.begin(), db_args.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

int start_worker(const DbConfig& db, const TestClock& clock, const std::vector<std::string>& extra,
                 const std::filesystem::path& log) {
  return spawn(worker_command(db, clock, extra), test_secrets_environment(db), log);
}

WorkerExit run_worker(const DbConfig& db, const TestClock& clock,
                      const std::vector<std::string>& extra, std::chrono::seconds timeout) {
  const auto log = std::filesystem::temp_directory_path() /
                   ("salesfollow-report-worker-" + std::to_string(::getpid()) + "-" +
                    std::to_string(clock_counter++) + ".log");
  const int pid = start_worker(db, clock, extra, log);
  WorkerExit result;
  const auto status = wait_for_exit(pid, timeout);
  if (status) {
    result.status = *status;
  } else {
    ::kill(pid, SIGKILL);
    wait_for_exit(pid, std::chrono::seconds(10));
  }
  result.output = read_file(log);
  std::error_code ignored;
  std::filesystem::remove(log, ignored);
  return result;
}

}  // namespace salesfollow::testing::reports
