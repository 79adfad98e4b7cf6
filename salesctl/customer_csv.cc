#include "customer_csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "salesfollow/common/text.h"

namespace salesfollow::salesctl {
namespace {

// Chinese headers of the team's hand-kept sheet.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> kAliases = {
      {"客户名称", "display_name"},
      {"行业", "industry"},
      {"来源", "source"},
      {"联系人", "contact_name"},
      {"职位", "contact_title"},
      {"电话", "phone"},
      {"邮箱", "email"},
      {"微信", "wechat_id"},
      {"首次接触日期", "first_contact_date"},
      {"需求标签", "need_tags"},
      {"需求描述", "need_description"},
      {"公司规模", "company_size"},
      {"备注", "notes"},
      {"负责人", "owner_id"}};
  return kAliases;
}

// Columns export adds and import skips without a warning.
const std::vector<std::string>& read_only_columns() {
  static const std::vector<std::string> kColumns = {
      "id", "stage", "team_id", "create_time", "rejected_line", "rejected_reason"};
  return kColumns;
}

std::string canonical(std::string name) {
  const auto first = name.find_first_not_of(" \t");
  const auto last = name.find_last_not_of(" \t");
  name = first == std::string::npos ? "" : name.substr(first, last - first + 1);
  if (const auto alias = aliases().find(name); alias != aliases().end()) return alias->second;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return c == ' ' || c == '-' ? '_' : static_cast<char>(std::tolower(c));
  });
  return name;
}

}  // namespace

const std::vector<std::string>& customer_columns() {
  static const std::vector<std::string> kColumns = {
      "display_name", "industry",         "source",
      "contact_name", "contact_title",    "phone",
      "email",        "wechat_id",        "first_contact_date",
      "need_tags",    "need_description", "company_size",
      "notes",        "owner_id"};
  return kColumns;
}

CsvHeader read_customer_header(const CsvRow& header) {
  CsvHeader result;
  result.width = header.size();
  const auto& known = customer_columns();
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string name = canonical(header[i]);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      if (std::find(read_only_columns().begin(), read_only_columns().end(), name) ==
          read_only_columns().end())
        result.ignored.push_back(header[i]);
      continue;
    }
    if (!result.columns.emplace(name, i).second)
      throw std::invalid_argument(fmt::format("the header names column '{}' twice", name));
  }
  if (result.columns.count("display_name") == 0)
    throw std::invalid_argument(
        "the header has no display_name (客户名称) column; the first row must name the columns");
  return result;
}

CustomerRow customer_from_record(const CsvHeader& header, const CsvRecord& record) {
  CustomerRow row;
  if (!record.error.empty()) {
    row.error = record.error;
    return row;
  }
  if (record.fields.size() != header.width) {
    row.error = fmt::format("{} fields, but the header has {}", record.fields.size(), header.width);
    return row;
  }
  for (std::size_t i = 0; i < record.fields.size(); ++i) {
    if (!is_valid_utf8(record.fields[i])) {
      row.error = fmt::format("field {} is not valid UTF-8 (save the file as UTF-8)", i + 1);
      return row;
    }
  }
  const auto get = [&](const std::string& column) -> std::string {
    const auto found = header.columns.find(column);
    return found == header.columns.end() ? "" : record.fields[found->second];
  };
  v1::Customer c;
  c.set_display_name(get("display_name"));
  c.set_industry(get("industry"));
  c.set_source(get("source"));
  c.mutable_contact()->set_name(get("contact_name"));
  c.mutable_contact()->set_title(get("contact_title"));
  c.mutable_contact()->set_phone(get("phone"));
  c.mutable_contact()->set_email(get("email"));
  c.mutable_contact()->set_wechat_id(get("wechat_id"));
  c.set_first_contact_date(get("first_contact_date"));
  // Tags are separated by ';' (a comma would need quoting in every cell).
  std::string tag;
  for (const char ch : get("need_tags") + ";") {
    if (ch == ';' || ch == '|') {
      const auto first = tag.find_first_not_of(' ');
      if (first != std::string::npos)
        c.add_need_tags(tag.substr(first, tag.find_last_not_of(' ') - first + 1));
      tag.clear();
    } else {
      tag += ch;
    }
  }
  c.set_need_description(get("need_description"));
  c.set_company_size(get("company_size"));
  c.set_notes(get("notes"));
  c.set_owner_id(get("owner_id"));
  row.customer = std::move(c);
  return row;
}

CsvRow export_header() {
  CsvRow header = {"id"};
  for (const auto& c : customer_columns()) header.push_back(c);
  header.insert(header.end(), {"stage", "team_id", "create_time"});
  return header;
}

CsvRow export_row(const v1::Customer& customer, const TeamTime& time) {
  std::string tags;
  for (const auto& t : customer.need_tags()) tags += (tags.empty() ? "" : ";") + t;
  return {customer.name(),
          customer.display_name(),
          customer.industry(),
          customer.source(),
          customer.contact().name(),
          customer.contact().title(),
          customer.contact().phone(),
          customer.contact().email(),
          customer.contact().wechat_id(),
          customer.first_contact_date(),
          tags,
          customer.need_description(),
          customer.company_size(),
          customer.notes(),
          customer.owner_id(),
          stage_code(customer.stage()),
          customer.team_id(),
          time.format(customer.create_time())};
}

}  // namespace salesfollow::salesctl
