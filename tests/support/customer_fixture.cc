#include "customer_fixture.h"

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>
#include <soci/mysql/soci-mysql.h>

#include <atomic>
#include <cctype>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "google/rpc/status.pb.h"
#include "grpc_probe.h"
#include "mariadb_server.h"
#include "salesfollow/common/crypto.h"

namespace salesfollow::testing {

// ---------------------------------------------------------------- secrets

std::string test_key(std::string_view label) {
  return crypto::sha256("salesfollow-test-key:" + std::string(label));
}

std::string test_key_base64(std::string_view label) {
  return crypto::base64_encode(test_key(label));
}

std::vector<std::string> customer_service_args(const ServiceKeys& keys) {
  std::string keyring;
  for (const auto& id : keys.contact_key_ids) {
    if (!keyring.empty()) keyring += ",";
    keyring += id + "=" + test_key_base64(id);
  }
  return {"--token-secret=" + kTokenSecret, "--contact-keys=" + keyring,
          "--contact-active-key=" + keys.active_key_id,
          "--blind-index-key=" + test_key_base64(keys.blind_index_label)};
}

DbConfig migrated_database(const std::string& prefix) {
  auto db = fresh_database(prefix);
  std::string output;
  const int status = run_service_to_exit(MIGRATE_BIN, db, {}, output);
  if (status != 0) throw std::runtime_error("migration failed:\n" + output);
  return db;
}

// ---------------------------------------------------------------- callers

const Identity kRepA{"rep_a", Role::rep, "team1"};
const Identity kRepB{"rep_b", Role::rep, "team1"};
const Identity kRepC{"rep_c", Role::rep, "team2"};
const Identity kManager1{"mgr_1", Role::manager, "team1"};
const Identity kManager2{"mgr_2", Role::manager, "team2"};
const Identity kAdmin{"admin_1", Role::admin, ""};
const Identity kServiceRole{"svc_reports", Role::service, ""};

std::string token_for(const Identity& who, std::chrono::seconds valid_for,
                      const std::string& secret) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  return sign_token(TokenClaims{.user_id = who.user_id,
                                .display_name = "测试用户 " + who.user_id,
                                .role = who.role,
                                .team_id = who.team_id,
                                .expires_at = now + valid_for},
                    secret);
}

namespace {

nlohmann::json claims_of(const Identity& who, Role role) {
  const auto exp =
      std::chrono::duration_cast<std::chrono::seconds>(
          (std::chrono::system_clock::now() + std::chrono::hours(1)).time_since_epoch())
          .count();
  return {{"sub", who.user_id},
          {"name", who.user_id},
          {"role", role_name(role)},
          {"team", who.team_id},
          {"exp", exp}};
}

}  // namespace

std::string unsigned_token(const Identity& who) {
  const nlohmann::json header = {{"alg", "none"}, {"typ", "JWT"}};
  return crypto::base64url_encode(header.dump()) + "." +
         crypto::base64url_encode(claims_of(who, who.role).dump()) + ".";
}

std::string tampered_token(const Identity& who, Role claimed_role) {
  const std::string token = token_for(who);
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  auto payload = nlohmann::json::parse(
      crypto::base64url_decode(std::string_view(token).substr(first + 1, second - first - 1)));
  payload["role"] = role_name(claimed_role);
  return token.substr(0, first + 1) + crypto::base64url_encode(payload.dump()) +
         token.substr(second);
}

Identity unique_rep(const std::string& label) {
  const int n = next_unique();
  return {fmt::format("rep_{}_{}", label, n), Role::rep, fmt::format("team_{}_{}", label, n)};
}

Identity manager_of(const Identity& rep) {
  return {"mgr_of_" + rep.user_id, Role::manager, rep.team_id};
}

// ---------------------------------------------------------------- errors

std::string status_reason(const grpc::Status& status) {
  const auto info = error_info(status);
  return info ? info->reason() : "";
}

std::string status_metadata(const grpc::Status& status, const std::string& key) {
  const auto info = error_info(status);
  if (!info) return "";
  const auto found = info->metadata().find(key);
  return found == info->metadata().end() ? "" : found->second;
}

std::string describe(const grpc::Status& status) {
  std::string text = code_of(status);
  if (status.ok()) return text;
  text += ": " + status.error_message();
  if (const auto info = error_info(status)) {
    text += " [" + info->reason();
    if (info->domain() != "salesfollow.v1") text += " domain=" + info->domain();
    for (const auto& [key, value] : info->metadata()) text += " " + key + "=" + value;
    text += "]";
  } else {
    text += " [no ErrorInfo]";
  }
  return text;
}

std::string proto_diff(const google::protobuf::Message& expected,
                       const google::protobuf::Message& actual) {
  std::string report;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(expected, actual)) return "";
  return report.empty() ? "(differ)" : report;
}

// ---------------------------------------------------------------- the client

void prepare_context(grpc::ClientContext& context, const std::string& token,
                     std::chrono::seconds deadline) {
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() + deadline);
}

CustomerApi::CustomerApi(const std::string& address)
    : channel_(channel_to(address)),
      customers_(v1::CustomerService::NewStub(channel_)),
      dictionaries_(v1::DictionaryService::NewStub(channel_)) {}

Reply<v1::Customer> CustomerApi::create(const std::string& token, const v1::Customer& customer,
                                        const CreateOptions& options) {
  v1::CreateCustomerRequest request;
  *request.mutable_customer() = customer;
  request.set_request_id(options.request_id);
  request.set_allow_duplicate(options.allow_duplicate);
  request.set_initial_stage(options.initial_stage);
  return create(token, request);
}

Reply<v1::Customer> CustomerApi::create(const std::string& token,
                                        const v1::CreateCustomerRequest& request) {
  remember_contact(request.customer().contact());
  return unary_call(*customers_, &v1::CustomerService::Stub::CreateCustomer, token, request);
}

Reply<v1::Customer> CustomerApi::get(const std::string& token, const std::string& name) {
  v1::GetCustomerRequest request;
  request.set_name(name);
  return unary_call(*customers_, &v1::CustomerService::Stub::GetCustomer, token, request);
}

Reply<v1::Customer> CustomerApi::update(const std::string& token, const v1::Customer& customer,
                                        const std::vector<std::string>& paths) {
  remember_contact(customer.contact());
  v1::UpdateCustomerRequest request;
  *request.mutable_customer() = customer;
  for (const auto& path : paths) request.mutable_update_mask()->add_paths(path);
  return unary_call(*customers_, &v1::CustomerService::Stub::UpdateCustomer, token, request);
}

Reply<v1::Customer> CustomerApi::remove(const std::string& token, const std::string& name,
                                        const std::string& etag) {
  v1::DeleteCustomerRequest request;
  request.set_name(name);
  request.set_etag(etag);
  return unary_call(*customers_, &v1::CustomerService::Stub::DeleteCustomer, token, request);
}

Reply<v1::Customer> CustomerApi::undelete(const std::string& token, const std::string& name) {
  v1::UndeleteCustomerRequest request;
  request.set_name(name);
  return unary_call(*customers_, &v1::CustomerService::Stub::UndeleteCustomer, token, request);
}

Reply<v1::ChangeCustomerStageResponse> CustomerApi::change_stage(
    const std::string& token, const v1::ChangeCustomerStageRequest& request) {
  return unary_call(*customers_, &v1::CustomerService::Stub::ChangeCustomerStage, token, request);
}

Reply<v1::ChangeCustomerStageResponse> CustomerApi::change_stage(const std::string& token,
                                                                 const std::string& name,
                                                                 v1::Stage stage,
                                                                 const std::string& reason,
                                                                 const std::string& loss_reason) {
  v1::ChangeCustomerStageRequest request;
  request.set_name(name);
  request.set_stage(stage);
  request.set_reason(reason);
  request.set_loss_reason(loss_reason);
  return change_stage(token, request);
}

Reply<v1::ListStageEventsResponse> CustomerApi::list_stage_events(const std::string& token,
                                                                  const std::string& parent,
                                                                  int page_size,
                                                                  const std::string& page_token) {
  v1::ListStageEventsRequest request;
  request.set_parent(parent);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return unary_call(*customers_, &v1::CustomerService::Stub::ListStageEvents, token, request);
}

Reply<std::vector<v1::StageEvent>> CustomerApi::all_stage_events(const std::string& token,
                                                                 const std::string& parent) {
  Reply<std::vector<v1::StageEvent>> all;
  std::string page_token;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = list_stage_events(token, parent, 0, page_token);
    if (!page.ok()) {
      all.status = page.status;
      return all;
    }
    for (const auto& event : page.value.stage_events()) all.value.push_back(event);
    page_token = page.value.next_page_token();
    if (page_token.empty()) return all;
  }
  all.status = grpc::Status(grpc::StatusCode::INTERNAL, "test: more than 1000 pages of events");
  return all;
}

Reply<v1::Customer> CustomerApi::transfer(const std::string& token,
                                          const v1::TransferCustomerRequest& request) {
  return unary_call(*customers_, &v1::CustomerService::Stub::TransferCustomer, token, request);
}

Reply<v1::Customer> CustomerApi::transfer(const std::string& token, const std::string& name,
                                          const std::string& new_owner_id,
                                          const std::string& new_team_id,
                                          const std::string& reason) {
  v1::TransferCustomerRequest request;
  request.set_name(name);
  request.set_new_owner_id(new_owner_id);
  request.set_new_team_id(new_team_id);
  request.set_reason(reason);
  return transfer(token, request);
}

Reply<v1::RevealContactResponse> CustomerApi::reveal(const std::string& token,
                                                     const std::string& name,
                                                     const std::string& purpose) {
  v1::RevealContactRequest request;
  request.set_name(name);
  request.set_purpose(purpose);
  return unary_call(*customers_, &v1::CustomerService::Stub::RevealContact, token, request);
}

Reply<v1::ListCustomersResponse> CustomerApi::list(const std::string& token,
                                                   const v1::ListCustomersRequest& request) {
  return unary_call(*customers_, &v1::CustomerService::Stub::ListCustomers, token, request);
}

Reply<std::vector<v1::Customer>> CustomerApi::list_all(const std::string& token,
                                                       const std::string& filter,
                                                       const std::string& order_by,
                                                       bool show_deleted, int page_size) {
  Reply<std::vector<v1::Customer>> all;
  v1::ListCustomersRequest request;
  request.set_filter(filter);
  request.set_order_by(order_by);
  request.set_show_deleted(show_deleted);
  request.set_page_size(page_size);
  for (int pages = 0; pages < 10000; ++pages) {
    auto page = list(token, request);
    if (!page.ok()) {
      all.status = page.status;
      return all;
    }
    for (const auto& customer : page.value.customers()) all.value.push_back(customer);
    if (page.value.next_page_token().empty()) return all;
    request.set_page_token(page.value.next_page_token());
  }
  all.status = grpc::Status(grpc::StatusCode::INTERNAL, "test: more than 10000 pages");
  return all;
}

Reply<std::vector<v1::Customer>> CustomerApi::export_all(const std::string& token,
                                                         const std::string& filter,
                                                         bool show_deleted) {
  Reply<std::vector<v1::Customer>> all;
  grpc::ClientContext context;
  prepare_context(context, token, std::chrono::seconds(120));
  v1::ExportCustomersRequest request;
  request.set_filter(filter);
  request.set_show_deleted(show_deleted);
  auto reader = customers_->ExportCustomers(&context, request);
  v1::Customer customer;
  while (reader->Read(&customer)) all.value.push_back(customer);
  all.status = reader->Finish();
  return all;
}

Reply<v1::ImportCustomersResponse> CustomerApi::import(
    const std::string& token, const std::vector<v1::ImportCustomersRequest>& messages,
    std::chrono::seconds deadline) {
  for (const auto& message : messages) {
    for (const auto& customer : message.customers()) remember_contact(customer.contact());
  }
  Reply<v1::ImportCustomersResponse> reply;
  grpc::ClientContext context;
  prepare_context(context, token, deadline);
  auto writer = customers_->ImportCustomers(&context, &reply.value);
  for (const auto& message : messages) {
    if (!writer->Write(message)) break;  // the server answered early; Finish() says why
  }
  writer->WritesDone();
  reply.status = writer->Finish();
  return reply;
}

// ---------------------------------------------------------------- a service

CustomerServiceUnderTest::CustomerServiceUnderTest(DbConfig db, const ServiceKeys& keys,
                                                   const std::vector<std::string>& more_args)
    : db_(std::move(db)) {
  auto args = customer_service_args(keys);
  args.insert(args.end(), more_args.begin(), more_args.end());
  process_ = std::make_unique<ServiceProcess>(CUSTOMER_SERVICE_BIN, db_, args);
  if (!wait_for_health(channel_to(process_->grpc_address()), "SERVING", std::chrono::seconds(10))) {
    throw std::runtime_error("customer-service is not SERVING:\n" + process_->log());
  }
  api_ = std::make_unique<CustomerApi>(process_->grpc_address());
}

CustomerServiceUnderTest* shared_customer_service(std::string& error) {
  static std::unique_ptr<CustomerServiceUnderTest> service;
  static std::string start_error;
  static std::once_flag once;
  std::call_once(once, [] {
    try {
      service = std::make_unique<CustomerServiceUnderTest>(migrated_database("cust"));
    } catch (const std::exception& e) {
      start_error = e.what();
    }
  });
  error = start_error;
  return service.get();
}

void CustomerServiceTest::SetUp() {
  std::string error;
  service_ = shared_customer_service(error);
  ASSERT_NE(service_, nullptr) << "customer-service did not start: " << error;
  log_offset_ = service_->process().log().size();
}

void CustomerServiceTest::TearDown() {
  if (service_ != nullptr && HasFailure()) {
    const auto problems = problems_in_log(service_->process().log(), log_offset_);
    if (!problems.empty()) std::cout << "customer-service log during this test:\n" << problems;
  }
}

std::string problems_in_log(const std::string& log, std::size_t offset) {
  std::istringstream lines(offset < log.size() ? log.substr(offset) : "");
  std::vector<std::string> found;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"level\":\"error\"") != std::string::npos ||
        line.find("\"level\":\"warn\"") != std::string::npos) {
      found.push_back(line);
    }
  }
  std::string text;
  const std::size_t first = found.size() > 30 ? found.size() - 30 : 0;
  for (std::size_t i = first; i < found.size(); ++i) text += "  " + found[i] + "\n";
  return text;
}

v1::Customer CustomerServiceTest::create_ok(const Identity& who, const v1::Customer& customer,
                                            const CreateOptions& options) {
  auto created = api().create(token_for(who), customer, options);
  EXPECT_TRUE(created.ok()) << "creating " << customer.display_name() << " as " << who.user_id
                            << ": " << created;
  return created.ok() ? created.value : v1::Customer();
}

// ---------------------------------------------------------------- test data

int next_unique() {
  static std::atomic<int> counter{1000};
  return counter.fetch_add(1);
}

v1::Customer valid_customer() {
  const int n = next_unique();
  v1::Customer customer;
  customer.set_display_name(fmt::format("测试客户{}科技有限公司", n));
  customer.set_industry("manufacturing");
  customer.set_source("trade_show");
  auto& contact = *customer.mutable_contact();
  contact.set_name(fmt::format("联系人{}号", n));
  contact.set_title("采购经理");
  contact.set_phone(fmt::format("139{:08d}", n));
  contact.set_email(fmt::format("contact.{}@example.com", n));
  contact.set_wechat_id(fmt::format("wx_contact_{}", n));
  customer.set_first_contact_date("2024-01-15");
  customer.add_need_tags("erp_system");
  customer.set_need_description("采购ERP系统（50用户）");
  customer.set_company_size("50-100");
  customer.set_notes("展会上认识");
  return customer;
}

std::string date_from_today(int days) {
  using namespace std::chrono;
  const year_month_day date{floor<std::chrono::days>(system_clock::now()) +
                            std::chrono::days(days)};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

unsigned long long customer_id(const std::string& name) {
  constexpr std::string_view kPrefix = "customers/";
  if (name.rfind(kPrefix, 0) != 0 || name.size() == kPrefix.size()) return 0;
  const auto digits = name.substr(kPrefix.size());
  for (const char c : digits) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return 0;
  }
  return std::stoull(digits);
}

namespace {

std::mutex& clear_values_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::set<std::string>& clear_values() {
  static std::set<std::string> values;
  return values;
}

std::string lower_ascii(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

void remember_contact(const v1::Contact& contact) {
  std::vector<std::string> values;
  values.push_back(contact.name());
  values.push_back(contact.phone());
  values.push_back(contact.email());
  values.push_back(contact.wechat_id());
  std::string digits;
  for (const char c : contact.phone()) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) digits += c;
  }
  if (digits.size() == 13 && digits.rfind("86", 0) == 0) digits = digits.substr(2);
  values.push_back(digits);
  values.push_back(lower_ascii(contact.email()));
  const std::scoped_lock lock(clear_values_mutex());
  for (auto& value : values) {
    // Shorter values could match unrelated bytes by chance; the tests use longer ones.
    if (value.size() >= 4) clear_values().insert(std::move(value));
  }
}

std::set<std::string> clear_contact_values() {
  const std::scoped_lock lock(clear_values_mutex());
  return clear_values();
}

// ---------------------------------------------------------------- inspection

std::unique_ptr<soci::session> root_session(const DbConfig& db) {
  return std::make_unique<soci::session>(
      soci::mysql, shared_mariadb().root_config(db.database).connection_string());
}

long long count_rows(const DbConfig& db, const std::string& sql) {
  auto session = root_session(db);
  long long count = -1;
  *session << sql, soci::into(count);
  return count;
}

namespace {

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return 0;
}

std::string from_hex(std::string_view hex) {
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
  }
  return bytes;
}

bool looks_like_base64(std::string_view text) {
  if (text.size() < 8 || text.size() % 4 != 0) return false;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '/' && c != '=') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> find_in_text(const std::string& text,
                                      const std::set<std::string>& needles) {
  std::vector<std::string> found;
  for (const auto& needle : needles) {
    if (text.find(needle) != std::string::npos) found.push_back(needle);
  }
  return found;
}

std::vector<std::string> find_in_database(const DbConfig& db,
                                          const std::set<std::string>& needles) {
  auto session = root_session(db);
  std::vector<std::string> hits;
  std::vector<std::string> tables;
  {
    soci::rowset<std::string> rows =
        (session->prepare << "SELECT table_name FROM information_schema.tables "
                             "WHERE table_schema = :db ORDER BY table_name",
         soci::use(db.database));
    for (const auto& table : rows) tables.push_back(table);
  }
  if (tables.empty()) hits.push_back("(no tables found in " + db.database + ")");
  for (const auto& table : tables) {
    std::vector<std::string> columns;
    {
      soci::rowset<std::string> rows =
          (session->prepare << "SELECT column_name FROM information_schema.columns "
                               "WHERE table_schema = :db AND table_name = :t "
                               "ORDER BY ordinal_position",
           soci::use(db.database), soci::use(table));
      for (const auto& column : rows) columns.push_back(column);
    }
    // One row per table row: every column as hex (byte-exact), '.'-separated.
    std::string select = "SELECT CONCAT_WS('.'";
    for (const auto& column : columns) select += ", COALESCE(HEX(`" + column + "`), '')";
    select += ") FROM `" + table + "`";
    soci::rowset<std::string> rows = session->prepare << select;
    long long row_number = 0;
    for (const auto& row : rows) {
      ++row_number;
      std::size_t start = 0;
      for (const auto& column : columns) {
        const auto end = std::min(row.find('.', start), row.size());
        const std::string cell = from_hex(std::string_view(row).substr(start, end - start));
        start = end + 1;
        std::vector<std::string> views = {cell};
        if (looks_like_base64(cell)) {
          try {
            views.push_back(crypto::base64_decode(cell));
          } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): not base64 after all
          }
        }
        for (const auto& view : views) {
          for (const auto& needle : find_in_text(view, needles)) {
            hits.push_back(
                fmt::format("{}.{} (row {}) contains '{}'", table, column, row_number, needle));
          }
        }
      }
    }
  }
  return hits;
}

std::vector<MetricSample> parse_metrics(const std::string& text) {
  std::vector<MetricSample> samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    MetricSample sample;
    const auto brace = line.find('{');
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    if (brace != std::string::npos && brace < space) {
      sample.name = line.substr(0, brace);
      const auto close = line.rfind('}');
      std::string labels = line.substr(brace + 1, close - brace - 1);
      std::size_t position = 0;
      while (position < labels.size()) {
        const auto equals = labels.find('=', position);
        if (equals == std::string::npos) break;
        const auto open_quote = labels.find('"', equals);
        auto close_quote = open_quote + 1;
        std::string value;
        while (close_quote < labels.size() && labels[close_quote] != '"') {
          if (labels[close_quote] == '\\' && close_quote + 1 < labels.size()) ++close_quote;
          value += labels[close_quote++];
        }
        std::string key = labels.substr(position, equals - position);
        while (!key.empty() && (key.front() == ',' || key.front() == ' ')) key.erase(0, 1);
        sample.labels[key] = value;
        position = close_quote + 1;
      }
    } else {
      sample.name = line.substr(0, line.find(' '));
    }
    try {
      sample.value = std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
      continue;
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

double metric_sum(const std::vector<MetricSample>& samples, const std::string& name,
                  const std::map<std::string, std::string>& labels) {
  double sum = 0;
  for (const auto& sample : samples) {
    if (sample.name != name) continue;
    bool all = true;
    for (const auto& [key, value] : labels) {
      const auto found = sample.labels.find(key);
      if (found == sample.labels.end() || found->second != value) all = false;
    }
    if (all) sum += sample.value;
  }
  return sum;
}

}  // namespace salesfollow::testing
