#include "customer_validation.h"

#include <date/date.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "contact_protection.h"
#include "salesfollow/common/errors.h"

namespace salesfollow::customer_service {
namespace {

bool is_code(const std::string& text) {
  return !text.empty() && text.size() <= 64 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) {
           return std::islower(c) != 0 || std::isdigit(c) != 0 || c == '_';
         });
}

void validate_code(const std::string& value, const std::string& field) {
  if (value.empty()) throw invalid_field(field, "is required");
  if (!is_code(value)) throw invalid_field(field, "must be a dictionary code ([a-z0-9_], 1-64)");
}

}  // namespace

bool is_calendar_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (const std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U}) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  const date::year_month_day day{date::year(std::stoi(text.substr(0, 4))),
                                 date::month(static_cast<unsigned>(std::stoi(text.substr(5, 2)))),
                                 date::day(static_cast<unsigned>(std::stoi(text.substr(8, 2))))};
  return day.ok() && day.year() >= date::year(1900);
}

void validate_customer_profile(const v1::Customer& c, const std::string& prefix,
                               const std::string& today) {
  const auto field = [&](const char* name) { return prefix + "." + name; };
  validate_text(c.display_name(), field("display_name"), kMaxDisplayName, true);
  validate_code(c.industry(), field("industry"));
  validate_code(c.source(), field("source"));
  validate_text(c.contact().name(), field("contact.name"), kMaxShortText, true);
  validate_text(c.contact().title(), field("contact.title"), kMaxShortText, false);
  validate_text(c.contact().phone(), field("contact.phone"), 32, false);
  validate_text(c.contact().email(), field("contact.email"), 254, false);
  validate_text(c.contact().wechat_id(), field("contact.wechat_id"), 64, false);
  if (c.contact().phone().empty() && c.contact().email().empty() &&
      c.contact().wechat_id().empty()) {
    throw invalid_field(field("contact"), "needs at least one of phone, email and wechat_id");
  }
  if (!c.contact().phone().empty()) {
    const auto digits = normalize_phone(c.contact().phone());
    const bool only_phone_characters =
        std::all_of(c.contact().phone().begin(), c.contact().phone().end(), [](unsigned char ch) {
          return std::isdigit(ch) != 0 || ch == '+' || ch == '-' || ch == ' ' || ch == '(' ||
                 ch == ')';
        });
    if (!only_phone_characters || digits.size() < 5 || digits.size() > 20) {
      throw invalid_field(field("contact.phone"),
                          "must hold 5 to 20 digits (+, -, spaces allowed)");
    }
  }
  if (!c.contact().email().empty()) {
    const auto& email = c.contact().email();
    const auto at = email.find('@');
    if (at == std::string::npos || at == 0 || email.find('.', at) == std::string::npos ||
        email.find(' ') != std::string::npos || email.back() == '.') {
      throw invalid_field(field("contact.email"), "is not an email address");
    }
  }
  if (!is_calendar_date(c.first_contact_date())) {
    throw invalid_field(field("first_contact_date"), "must be a date \"YYYY-MM-DD\"");
  }
  if (c.first_contact_date() > today) {
    throw invalid_field(field("first_contact_date"), "is in the future (today is " + today + ")");
  }
  if (c.need_tags().empty()) throw invalid_field(field("need_tags"), "needs at least one tag");
  if (static_cast<std::size_t>(c.need_tags_size()) > kMaxNeedTags) {
    throw invalid_field(field("need_tags"), fmt::format("holds more than {} tags", kMaxNeedTags));
  }
  std::set<std::string> seen;
  for (int i = 0; i < c.need_tags_size(); ++i) {
    const auto tag_field = fmt::format("{}.need_tags[{}]", prefix, i);
    validate_code(c.need_tags(i), tag_field);
    if (!seen.insert(c.need_tags(i)).second) throw invalid_field(tag_field, "is repeated");
  }
  validate_text(c.need_description(), field("need_description"), kMaxNeedDescription, false, true);
  validate_text(c.company_size(), field("company_size"), 50, false);
  validate_text(c.notes(), field("notes"), kMaxNotes, false, true);
}

}  // namespace salesfollow::customer_service
