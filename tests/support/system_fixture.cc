#include "system_fixture.h"

#include <fmt/format.h>
#include <soci/mysql/soci-mysql.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "grpc_probe.h"
#include "salesfollow/common/crypto.h"

namespace salesfollow::testing::system {

std::string token(const std::string& user_id, const std::string& role, const std::string& team_id,
                  std::chrono::seconds expires_in, const std::string& secret) {
  const auto expires = std::chrono::system_clock::now() + expires_in;
  const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const nlohmann::json claims = {
      {"sub", user_id},
      {"name", user_id},
      {"role", role},
      {"team", team_id},
      {"exp",
       std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count()}};
  const std::string signing_input =
      crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump());
  return signing_input + "." + crypto::base64url_encode(crypto::hmac_sha256(secret, signing_input));
}

void prepare(grpc::ClientContext& context, const std::string& bearer,
             std::chrono::milliseconds deadline) {
  if (!bearer.empty()) context.AddMetadata("authorization", "Bearer " + bearer);
  context.set_deadline(std::chrono::system_clock::now() + deadline);
}

DbConfig migrate(const DbConfig& db) {
  std::string output;
  if (run_service_to_exit(MIGRATE_BIN, db, {}, output) != 0) {
    throw std::runtime_error("migration failed:\n" + output);
  }
  return db;
}

std::unique_ptr<soci::session> session(const DbConfig& db) {
  return std::make_unique<soci::session>(soci::mysql, db.connection_string());
}

long long count(const DbConfig& db, const std::string& sql) {
  auto s = session(db);
  long long n = -1;
  *s << sql, soci::into(n);
  return n;
}

std::string table_checksums(soci::session& sql, const std::vector<std::string>& tables) {
  std::string list;
  for (const auto& t : tables) list += (list.empty() ? "" : ", ") + t;
  soci::rowset<soci::row> rows = sql.prepare << "CHECKSUM TABLE " + list;
  std::string out;
  for (const auto& row : rows) {
    out += row.get<std::string>(0) + "=";
    if (row.get_indicator(1) == soci::i_null) {
      out += "NULL";
    } else {
      switch (row.get_properties(1).get_data_type()) {
        case soci::dt_unsigned_long_long:
          out += std::to_string(row.get<unsigned long long>(1));
          break;
        case soci::dt_long_long:
          out += std::to_string(row.get<long long>(1));
          break;
        case soci::dt_integer:
          out += std::to_string(row.get<int>(1));
          break;
        case soci::dt_double:
          out += std::to_string(row.get<double>(1));
          break;
        default:
          out += row.get<std::string>(1);
      }
    }
    out += " ";
  }
  return out;
}

void require_serving(ServiceProcess& process, const std::string& what) {
  if (!wait_for_health(channel_to(process.grpc_address()), "SERVING", std::chrono::seconds(10))) {
    throw std::runtime_error(what + " is not SERVING:\n" + process.log());
  }
}

SystemUnderTest::SystemUnderTest(DbConfig db, Options options) : db_(std::move(db)) {
  customer_ = std::make_unique<ServiceProcess>(CUSTOMER_SERVICE_BIN, db_, options.customer_args);
  require_serving(*customer_, "customer-service");
  auto followup_args = options.followup_args;
  followup_args.push_back("--customer-service-address=" + customer_->grpc_address());
  followup_ = std::make_unique<ServiceProcess>(FOLLOWUP_SERVICE_BIN, db_, followup_args);
  require_serving(*followup_, "followup-service");
  if (options.with_report_worker) {
    auto report_args = options.report_args;
    report_args.push_back("--run-interval=1h");
    report_ = std::make_unique<ServiceProcess>(REPORT_WORKER_BIN, db_, report_args);
    require_serving(*report_, "report-worker");
    report_stub_ = v1::ReportService::NewStub(channel_to(report_->grpc_address()));
  }
  const auto customer_channel = channel_to(customer_->grpc_address());
  customer_stub_ = v1::CustomerService::NewStub(customer_channel);
  dictionary_stub_ = v1::DictionaryService::NewStub(customer_channel);
  followup_stub_ = v1::FollowUpService::NewStub(channel_to(followup_->grpc_address()));
}

SystemUnderTest::~SystemUnderTest() = default;

std::vector<ServiceProcess*> SystemUnderTest::processes() {
  std::vector<ServiceProcess*> all = {customer_.get(), followup_.get()};
  if (report_) all.push_back(report_.get());
  return all;
}

v1::ReportService::Stub& SystemUnderTest::reports() {
  if (!report_stub_) throw std::logic_error("report-worker was not started (with_report_worker)");
  return *report_stub_;
}

v1::Customer sample_customer(const std::string& marker, int n) {
  v1::Customer customer;
  customer.set_display_name(fmt::format("可靠性客户{}-{}", marker, n));
  customer.set_industry("manufacturing");
  customer.set_source("trade_show");
  auto& contact = *customer.mutable_contact();
  contact.set_name(fmt::format("联系人{}", n));
  contact.set_title("采购经理");
  contact.set_phone(fmt::format("137{:08d}", n));
  contact.set_email(fmt::format("rel.{}@example.com", n));
  customer.set_first_contact_date("2024-01-15");
  customer.add_need_tags("erp_system");
  return customer;
}

}  // namespace salesfollow::testing::system
