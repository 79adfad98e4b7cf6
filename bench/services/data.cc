#include "data.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace salesfollow::bench {

const std::vector<std::string> kIndustries = {"manufacturing", "retail",  "education", "internet",
                                              "finance",       "healthcare", "other"};
const std::vector<std::string> kSources = {"trade_show",   "referral", "website",
                                           "cold_call",    "social_media", "other"};
const std::vector<std::string> kNeedTags = {"erp_system", "data_analysis_tool", "custom_gifts",
                                            "crm_system", "consulting"};

namespace {
const std::vector<std::string> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
                                            "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
                                            "何", "林", "罗", "高", "欧阳", "司马"};
const std::vector<std::string> kGiven = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军",
                                         "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
                                         "霞", "平", "刚", "桂英", "建国", "晓明", "思远"};
const std::vector<std::string> kCities = {"上海", "北京", "深圳", "广州", "杭州", "成都",
                                          "南京", "苏州", "武汉", "西安", "重庆", "天津"};
const std::vector<std::string> kWords = {"华信", "恒通", "新锐", "鼎盛", "博远", "天成",
                                         "金桥", "瑞丰", "宏达", "智联", "安泰", "中科"};
const std::vector<std::string> kTrades = {"科技", "贸易", "制造", "教育咨询", "网络", "医疗器械",
                                          "投资管理", "文化传媒"};
const std::vector<std::string> kTitles = {"采购经理", "总经理", "IT主管", "行政主管", "财务总监",
                                          "市场部经理", ""};
const std::vector<std::string> kNeeds = {"定制礼品（100件）", "采购ERP系统，预算50万",
                                         "需要数据分析工具，年底上线", "CRM系统替换旧系统",
                                         "咨询服务：流程优化"};
const std::vector<std::string> kContents = {
    "电话沟通需求细节，客户关注交付周期和售后服务。",
    "上门拜访，演示了产品核心功能，客户技术负责人在场。",
    "微信发送报价单，客户表示需要内部讨论后回复。",
    "邮件跟进合同条款，客户对付款方式有疑问。"};
}  // namespace

RawDb::RawDb(const Settings& s) : conn_(mysql_init(nullptr)) {
  if (conn_ == nullptr) throw std::runtime_error("mysql_init failed");
  mysql_options(conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (std::getenv("BENCH_FLOOR_TIMEOUTS") != nullptr) {
    // Experiment: the services' connect/read/write timeouts (3 s, 30 s, 30 s).
    const unsigned int connect = 3, io = 30;
    mysql_options(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &connect);
    mysql_options(conn_, MYSQL_OPT_READ_TIMEOUT, &io);
    mysql_options(conn_, MYSQL_OPT_WRITE_TIMEOUT, &io);
  }
  if (mysql_real_connect(conn_, s.host.c_str(), s.user.c_str(), s.password.c_str(),
                         s.database.c_str(), s.port, nullptr, 0) == nullptr) {
    const std::string error = mysql_error(conn_);
    mysql_close(conn_);
    throw std::runtime_error("cannot connect to MariaDB: " + error);
  }
  // The same session settings as the services' pool (common/src/db_pool.cc).
  exec("SET SESSION time_zone = '+00:00', sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,"
       "NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
       "innodb_lock_wait_timeout = 5, lock_wait_timeout = 5");
}

RawDb::~RawDb() { mysql_close(conn_); }

void RawDb::exec(const std::string& sql) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
    throw std::runtime_error(fmt::format("SQL error {}: {} in: {}", mysql_errno(conn_),
                                         mysql_error(conn_), sql.substr(0, 200)));
  }
  // Drain a result set if the statement returned one.
  if (MYSQL_RES* res = mysql_store_result(conn_)) mysql_free_result(res);
}

std::vector<std::vector<std::string>> RawDb::rows(const std::string& sql) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
    throw std::runtime_error(fmt::format("SQL error {}: {} in: {}", mysql_errno(conn_),
                                         mysql_error(conn_), sql.substr(0, 200)));
  }
  std::vector<std::vector<std::string>> out;
  MYSQL_RES* res = mysql_store_result(conn_);
  if (res == nullptr) return out;
  const unsigned fields = mysql_num_fields(res);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long* lengths = mysql_fetch_lengths(res);
    std::vector<std::string> r;
    r.reserve(fields);
    for (unsigned i = 0; i < fields; ++i) {
      r.emplace_back(row[i] != nullptr ? std::string(row[i], lengths[i]) : std::string());
    }
    out.push_back(std::move(r));
  }
  mysql_free_result(res);
  return out;
}

std::string RawDb::one(const std::string& sql) {
  const auto r = rows(sql);
  return r.empty() || r.front().empty() ? std::string() : r.front().front();
}

std::string RawDb::quote(const std::string& value) {
  std::string escaped(value.size() * 2 + 1, '\0');
  escaped.resize(mysql_real_escape_string(conn_, escaped.data(), value.data(), value.size()));
  return "'" + escaped + "'";
}

std::uint64_t RawDb::last_insert_id() { return mysql_insert_id(conn_); }
std::uint64_t RawDb::affected_rows() { return mysql_affected_rows(conn_); }

std::string DataGen::pick(const std::vector<std::string>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng_)];
}
int DataGen::uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
std::string DataGen::person_name() { return pick(kSurnames) + pick(kGiven); }
std::string DataGen::company_name(const std::string& unique) {
  return pick(kCities) + pick(kWords) + pick(kTrades) + "有限公司（" + unique + "）";
}
std::string DataGen::phone(std::uint64_t unique) {
  return fmt::format("1{}{:09d}", uniform(3, 9), unique % 1000000000ULL);
}
std::string DataGen::industry() { return pick(kIndustries); }
std::string DataGen::source() { return pick(kSources); }
std::vector<std::string> DataGen::need_tags() {
  std::vector<std::string> tags = {pick(kNeedTags)};
  if (uniform(0, 1) == 1) {
    auto second = pick(kNeedTags);
    if (second != tags.front()) tags.push_back(second);
  }
  std::sort(tags.begin(), tags.end());
  return tags;
}
std::string DataGen::title() { return pick(kTitles); }
std::string DataGen::need_description() { return pick(kNeeds); }
std::string DataGen::follow_up_content() { return pick(kContents); }

void load_data_set(Context& context, std::size_t per_rep) {
  RawDb db(context.db);
  context.max_customer_id = std::stoull("0" + db.one("SELECT COALESCE(MAX(id), 0) FROM customers"));
  for (auto& rep : context.reps) {
    rep.customers.clear();
    rep.stages.clear();
    for (const auto& row : db.rows(fmt::format(
             "SELECT id, stage FROM customers WHERE owner_id = {} AND deleted = 0 AND stage IN "
             "(1, 2, 3) ORDER BY id LIMIT {}",
             db.quote(rep.user), per_rep))) {
      rep.customers.push_back(std::stoull(row[0]));
      rep.stages.push_back(std::stoi(row[1]));
    }
    if (rep.customers.empty()) {
      throw std::runtime_error("no live open customers owned by " + rep.user +
                               " (generate the data first)");
    }
  }
}

}  // namespace salesfollow::bench
