#include "customer_repository.h"

#include <fmt/format.h>
#include <soci/mysql/soci-mysql.h>

#include <sstream>
#include <stdexcept>

#include "salesfollow/common/sql_util.h"

namespace salesfollow::customer_service {

const std::string& customer_columns() {
  static const std::string columns = fmt::format(
      "c.id, c.display_name, c.name_key, c.industry, c.source, c.contact_name_enc, "
      "c.contact_name_masked, c.contact_title, c.phone_enc, c.phone_masked, c.phone_bidx, "
      "c.email_enc, c.email_masked, c.email_bidx, c.wechat_enc, c.wechat_masked, "
      "DATE_FORMAT(c.first_contact_date, '%Y-%m-%d'), c.need_description, c.company_size, "
      "c.notes, c.owner_id, c.team_id, c.stage, {}, c.deleted, {}, c.created_by, {}, {}, "
      "c.version, (SELECT GROUP_CONCAT(t.tag ORDER BY t.tag SEPARATOR ',') "
      "FROM customer_need_tags t WHERE t.customer_id = c.id)",
      micros_of("c.stage_changed_at"), micros_of("c.deleted_at"), micros_of("c.created_at"),
      micros_of("c.updated_at"));
  return columns;
}

namespace {

std::vector<std::string> split_tags(const std::string& joined) {
  std::vector<std::string> tags;
  std::stringstream in(joined);
  for (std::string tag; std::getline(in, tag, ',');) {
    if (!tag.empty()) tags.push_back(tag);
  }
  return tags;
}

CustomerRecord record_from_row(const TextRow& row) {
  CustomerRecord c;
  std::size_t i = 0;
  c.id = static_cast<std::uint64_t>(row.integer(i++));
  c.display_name = row.text(i++);
  c.name_key = row.text(i++);
  c.industry = row.text(i++);
  c.source = row.text(i++);
  c.contact.name_enc = row.text(i++);
  c.contact.name_masked = row.text(i++);
  c.contact.title = row.text(i++);
  c.contact.phone_enc = row.optional_text(i++);
  c.contact.phone_masked = row.optional_text(i++);
  c.contact.phone_bidx = row.optional_text(i++);
  c.contact.email_enc = row.optional_text(i++);
  c.contact.email_masked = row.optional_text(i++);
  c.contact.email_bidx = row.optional_text(i++);
  c.contact.wechat_enc = row.optional_text(i++);
  c.contact.wechat_masked = row.optional_text(i++);
  c.first_contact_date = row.text(i++);
  c.need_description = row.text(i++);
  c.company_size = row.text(i++);
  c.notes = row.text(i++);
  c.owner_id = row.text(i++);
  c.team_id = row.text(i++);
  c.stage = static_cast<int>(row.integer(i++));
  c.stage_changed_at = from_micros(row.integer(i++));
  c.deleted = row.integer(i++) != 0;
  if (!row.is_null(i)) c.deleted_at = from_micros(row.integer(i));
  ++i;
  c.created_by = row.text(i++);
  c.created_at = from_micros(row.integer(i++));
  c.updated_at = from_micros(row.integer(i++));
  c.version = static_cast<std::uint32_t>(row.integer(i++));
  c.need_tags = split_tags(row.text(i++));
  return c;
}

}  // namespace

std::string CustomerRepository::quote(const std::string& value) const {
  return sql_quote(sql_, value);
}

std::vector<CustomerRecord> CustomerRepository::load_rows(
    const std::string& where_and_order,
    const std::vector<std::pair<std::string, std::string>>& params) {
  std::vector<CustomerRecord> records;
  for_each_text_row(sql_, "SELECT " + customer_columns() + " FROM customers c " + where_and_order,
                    params, [&](const TextRow& row) { records.push_back(record_from_row(row)); });
  return records;
}

std::optional<CustomerRecord> CustomerRepository::find(std::uint64_t id, bool for_update) {
  auto rows = load_rows(std::string("WHERE c.id = :id") + (for_update ? " FOR UPDATE" : ""),
                        {{"id", std::to_string(id)}});
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

namespace {

std::string values_tuple(const CustomerRecord& c,
                         const std::function<std::string(const std::string&)>& quote) {
  const auto opt = [&](const std::optional<std::string>& v) { return v ? quote(*v) : "NULL"; };
  return fmt::format(
      "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
      "{}, {}, NULL, {}, {}, {}, {})",
      quote(c.display_name), quote(c.name_key), quote(c.industry), quote(c.source),
      quote(c.contact.name_enc), quote(c.contact.name_masked), quote(c.contact.title),
      opt(c.contact.phone_enc), opt(c.contact.phone_masked), opt(c.contact.phone_bidx),
      opt(c.contact.email_enc), opt(c.contact.email_masked), opt(c.contact.email_bidx),
      opt(c.contact.wechat_enc), opt(c.contact.wechat_masked), quote(c.first_contact_date),
      quote(c.need_description), quote(c.company_size), quote(c.notes), quote(c.owner_id),
      quote(c.team_id), c.stage, quote(to_sql_datetime(c.stage_changed_at)), c.deleted ? 1 : 0,
      quote(c.created_by), quote(to_sql_datetime(c.created_at)),
      quote(to_sql_datetime(c.updated_at)), c.version);
}

constexpr const char* kInsertCustomer =
    "INSERT INTO customers (display_name, name_key, industry, source, contact_name_enc, "
    "contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc, "
    "email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description, "
    "company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at, "
    "created_by, created_at, updated_at, version) VALUES ";

}  // namespace

std::uint64_t CustomerRepository::insert(const CustomerRecord& customer) {
  return insert_many({customer}).front();
}

std::vector<std::uint64_t> CustomerRepository::insert_many(
    const std::vector<CustomerRecord>& customers) {
  if (customers.empty()) return {};
  const auto q = [this](const std::string& v) { return quote(v); };
  std::string statement = kInsertCustomer;
  for (std::size_t i = 0; i < customers.size(); ++i) {
    if (i > 0) statement += ',';
    statement += values_tuple(customers[i], q);
  }
  sql_ << statement;
  const auto first_id = static_cast<long long>(last_insert_id(sql_));
  // One multi-row INSERT gets consecutive ids from InnoDB for a "simple
  // insert" (row count known up front) in every auto-increment lock mode;
  // verify it anyway so a surprise cannot attach tags to the wrong rows.
  std::vector<std::uint64_t> ids;
  ids.reserve(customers.size());
  for (std::size_t i = 0; i < customers.size(); ++i) {
    ids.push_back(static_cast<std::uint64_t>(first_id) + i);
  }
  if (customers.size() > 1) {
    long long matching = 0;
    const long long last_id = first_id + static_cast<long long>(customers.size()) - 1;
    const std::string creator = customers.front().created_by;
    sql_ << "SELECT COUNT(*) FROM customers WHERE id BETWEEN :first AND :last AND created_by = "
            ":creator",
        soci::use(first_id), soci::use(last_id), soci::use(creator), soci::into(matching);
    if (matching != static_cast<long long>(customers.size())) {
      throw std::runtime_error("multi-row insert did not get consecutive ids");
    }
  }
  std::string tags;
  for (std::size_t i = 0; i < customers.size(); ++i) {
    for (const auto& tag : customers[i].need_tags) {
      tags += fmt::format("{}({}, {})", tags.empty() ? "" : ",", ids[i], quote(tag));
    }
  }
  if (!tags.empty()) sql_ << "INSERT INTO customer_need_tags (customer_id, tag) VALUES " + tags;
  return ids;
}

void CustomerRepository::update(const CustomerRecord& c, bool tags_changed) {
  std::string deleted_at = c.deleted_at ? to_sql_datetime(*c.deleted_at) : std::string();
  soci::indicator deleted_at_indicator = c.deleted_at ? soci::i_ok : soci::i_null;
  soci::indicator phone_i = c.contact.phone_enc ? soci::i_ok : soci::i_null;
  soci::indicator email_i = c.contact.email_enc ? soci::i_ok : soci::i_null;
  soci::indicator wechat_i = c.contact.wechat_enc ? soci::i_ok : soci::i_null;
  const std::string empty;
  const std::string stage_changed_at = to_sql_datetime(c.stage_changed_at);
  const std::string updated_at = to_sql_datetime(c.updated_at);
  const int deleted = c.deleted ? 1 : 0;
  const long long id = static_cast<long long>(c.id);
  const long long version = c.version;
  const std::string phone_enc = c.contact.phone_enc.value_or(empty);
  const std::string phone_masked = c.contact.phone_masked.value_or(empty);
  const std::string phone_bidx = c.contact.phone_bidx.value_or(empty);
  const std::string email_enc = c.contact.email_enc.value_or(empty);
  const std::string email_masked = c.contact.email_masked.value_or(empty);
  const std::string email_bidx = c.contact.email_bidx.value_or(empty);
  const std::string wechat_enc = c.contact.wechat_enc.value_or(empty);
  const std::string wechat_masked = c.contact.wechat_masked.value_or(empty);
  soci::indicator phone_i2 = phone_i, phone_i3 = phone_i, email_i2 = email_i, email_i3 = email_i,
                  wechat_i2 = wechat_i;
  sql_ << "UPDATE customers SET display_name = :display_name, name_key = :name_key, "
          "industry = :industry, source = :source, contact_name_enc = :cne, "
          "contact_name_masked = :cnm, contact_title = :title, phone_enc = :pe, "
          "phone_masked = :pm, phone_bidx = :pb, email_enc = :ee, email_masked = :em, "
          "email_bidx = :eb, wechat_enc = :we, wechat_masked = :wm, "
          "first_contact_date = :fcd, need_description = :need, company_size = :size, "
          "notes = :notes, owner_id = :owner, team_id = :team, stage = :stage, "
          "stage_changed_at = :sca, deleted = :deleted, deleted_at = :dat, "
          "updated_at = :uat, version = :version WHERE id = :id",
      soci::use(c.display_name, "display_name"), soci::use(c.name_key, "name_key"),
      soci::use(c.industry, "industry"), soci::use(c.source, "source"),
      soci::use(c.contact.name_enc, "cne"), soci::use(c.contact.name_masked, "cnm"),
      soci::use(c.contact.title, "title"), soci::use(phone_enc, phone_i, "pe"),
      soci::use(phone_masked, phone_i2, "pm"), soci::use(phone_bidx, phone_i3, "pb"),
      soci::use(email_enc, email_i, "ee"), soci::use(email_masked, email_i2, "em"),
      soci::use(email_bidx, email_i3, "eb"), soci::use(wechat_enc, wechat_i, "we"),
      soci::use(wechat_masked, wechat_i2, "wm"), soci::use(c.first_contact_date, "fcd"),
      soci::use(c.need_description, "need"), soci::use(c.company_size, "size"),
      soci::use(c.notes, "notes"), soci::use(c.owner_id, "owner"), soci::use(c.team_id, "team"),
      soci::use(c.stage, "stage"), soci::use(stage_changed_at, "sca"),
      soci::use(deleted, "deleted"), soci::use(deleted_at, deleted_at_indicator, "dat"),
      soci::use(updated_at, "uat"), soci::use(version, "version"), soci::use(id, "id");
  if (tags_changed) {
    sql_ << "DELETE FROM customer_need_tags WHERE customer_id = :id", soci::use(id);
    std::string tags;
    for (const auto& tag : c.need_tags) {
      tags += fmt::format("{}({}, {})", tags.empty() ? "" : ",", c.id, quote(tag));
    }
    if (!tags.empty()) sql_ << "INSERT INTO customer_need_tags (customer_id, tag) VALUES " + tags;
  }
}

std::uint64_t CustomerRepository::append_stage_event(const StageEventRecord& event) {
  append_stage_events({event});
  const auto id = static_cast<long long>(last_insert_id(sql_));
  return static_cast<std::uint64_t>(id);
}

void CustomerRepository::append_stage_events(const std::vector<StageEventRecord>& events) {
  if (events.empty()) return;
  std::string statement =
      "INSERT INTO stage_events (customer_id, from_stage, to_stage, reason, loss_reason, "
      "loss_note, actor_id, owner_id, team_id, created_at) VALUES ";
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    statement +=
        fmt::format("{}({}, {}, {}, {}, {}, {}, {}, {}, {}, {})", i == 0 ? "" : ",", e.customer_id,
                    e.from_stage ? std::to_string(*e.from_stage) : "NULL", e.to_stage,
                    quote(e.reason), e.loss_reason.empty() ? "NULL" : quote(e.loss_reason),
                    quote(e.loss_note), quote(e.actor_id), quote(e.owner_id), quote(e.team_id),
                    quote(to_sql_datetime(e.created_at)));
  }
  sql_ << statement;
}

void CustomerRepository::append_owner_event(const OwnerEventRecord& event) {
  append_owner_events({event});
}

void CustomerRepository::append_owner_events(const std::vector<OwnerEventRecord>& events) {
  if (events.empty()) return;
  std::string statement =
      "INSERT INTO owner_events (customer_id, from_owner, to_owner, from_team, to_team, reason, "
      "actor_id, created_at) VALUES ";
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    statement +=
        fmt::format("{}({}, {}, {}, {}, {}, {}, {}, {})", i == 0 ? "" : ",", e.customer_id,
                    e.from_owner ? quote(*e.from_owner) : "NULL", quote(e.to_owner),
                    e.from_team ? quote(*e.from_team) : "NULL", quote(e.to_team), quote(e.reason),
                    quote(e.actor_id), quote(to_sql_datetime(e.created_at)));
  }
  sql_ << statement;
}

void CustomerRepository::move_plan(std::uint64_t customer_id, const std::string& owner_id,
                                   const std::string& team_id) {
  const long long id = static_cast<long long>(customer_id);
  sql_ << "UPDATE follow_up_plans SET owner_id = :owner, team_id = :team WHERE customer_id = :id",
      soci::use(owner_id), soci::use(team_id), soci::use(id);
}

std::optional<Duplicate> CustomerRepository::find_duplicate(
    const std::string& name_key, const std::optional<std::string>& phone_bidx,
    const std::optional<std::string>& email_bidx, std::uint64_t exclude_id) {
  // One indexed probe per key; FOR UPDATE takes gap locks so that two
  // concurrent creates of the same customer cannot both pass (one of them
  // waits, or fails with a deadlock that the caller retries).
  const auto probe = [&](const char* column, const std::string& value,
                         const char* matched) -> std::optional<Duplicate> {
    long long id = 0;
    const long long exclude = static_cast<long long>(exclude_id);
    sql_ << fmt::format(
        "SELECT id FROM customers WHERE {} = :value AND deleted = 0 AND id <> "
        ":exclude ORDER BY id LIMIT 1 FOR UPDATE",
        column),
        soci::use(value), soci::use(exclude), soci::into(id);
    if (!sql_.got_data()) return std::nullopt;
    return Duplicate{static_cast<std::uint64_t>(id), matched};
  };
  if (auto found = probe("name_key", name_key, "name")) return found;
  if (phone_bidx) {
    if (auto found = probe("phone_bidx", *phone_bidx, "phone")) return found;
  }
  if (email_bidx) {
    if (auto found = probe("email_bidx", *email_bidx, "email")) return found;
  }
  return std::nullopt;
}

std::vector<std::optional<std::uint64_t>> CustomerRepository::oldest_live_with(
    const std::string& column, const std::vector<std::string>& keys) {
  std::vector<std::optional<std::uint64_t>> found(keys.size());
  if (keys.empty()) return found;
  if (column != "name_key" && column != "phone_bidx" && column != "email_bidx") {
    throw std::invalid_argument("oldest_live_with: not a key column: " + column);
  }
  // The keys travel as a numbered derived table joined on the column's index,
  // so that each key is compared with the column's collation exactly as a
  // single "= :key" probe would, and answers by its number (two keys equal
  // under the collation but not byte for byte keep separate answers).
  std::string numbered;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    numbered += i == 0 ? fmt::format("SELECT {} AS n, {} AS k", i, quote(keys[i]))
                       : fmt::format(" UNION ALL SELECT {}, {}", i, quote(keys[i]));
  }
  for_each_row(sql_,
               fmt::format("SELECT wanted.n, MIN(c.id) FROM ({}) wanted JOIN customers c ON c.{} "
                           "= wanted.k AND c.deleted = 0 GROUP BY wanted.n",
                           numbered, column),
               {}, [&](const soci::row& row) {
                 found.at(static_cast<std::size_t>(integer_at(row, 0))) =
                     static_cast<std::uint64_t>(integer_at(row, 1));
               });
  return found;
}

std::vector<CustomerRecord> CustomerRepository::list(const ListSpec& spec) {
  std::vector<std::pair<std::string, std::string>> params;
  std::string where = "WHERE 1 = 1";
  if (!spec.show_deleted) where += " AND c.deleted = 0";
  if (!spec.scope.owner_id.empty()) {
    where += " AND c.owner_id = :scope_owner";
    params.emplace_back("scope_owner", spec.scope.owner_id);
  }
  if (!spec.scope.team_id.empty()) {
    where += " AND c.team_id = :scope_team";
    params.emplace_back("scope_team", spec.scope.team_id);
  }
  for (std::size_t n = 0; n < spec.query.conditions.size(); ++n) {
    where += " AND " + spec.query.conditions[n].sql;
    params.emplace_back(fmt::format("f{}", n), spec.query.conditions[n].values.front());
  }
  const std::string column = "c." + spec.order.column;
  const char* direction = spec.order.descending ? "DESC" : "ASC";
  const char* after = spec.order.descending ? "<" : ">";
  if (spec.after_value) {
    where +=
        fmt::format(" AND ({0} {1} :after_value OR ({0} = :after_value2 AND c.id {1} :after_id))",
                    column, after);
    params.emplace_back("after_value", *spec.after_value);
    params.emplace_back("after_value2", *spec.after_value);
    params.emplace_back("after_id", std::to_string(spec.after_id));
  }
  return load_rows(fmt::format("{} ORDER BY {} {}, c.id {} LIMIT {}", where, column, direction,
                               direction, spec.limit),
                   params);
}

std::vector<StageEventRecord> CustomerRepository::stage_events(std::uint64_t customer_id,
                                                               std::uint64_t after_id, int limit) {
  soci::row row;
  const long long customer = static_cast<long long>(customer_id);
  const long long after = static_cast<long long>(after_id);
  soci::statement statement =
      (sql_.prepare << "SELECT id, customer_id, from_stage, to_stage, reason, loss_reason, "
                       "loss_note, actor_id, owner_id, team_id, "
                    << micros_of("created_at")
                    << " FROM stage_events WHERE customer_id = :customer AND id > :after "
                       "ORDER BY id LIMIT "
                    << limit,
       soci::use(customer, "customer"), soci::use(after, "after"), soci::into(row));
  statement.execute(false);
  std::vector<StageEventRecord> events;
  while (statement.fetch()) {
    StageEventRecord e;
    e.id = static_cast<std::uint64_t>(integer_at(row, 0));
    e.customer_id = static_cast<std::uint64_t>(integer_at(row, 1));
    if (row.get_indicator(2) != soci::i_null) e.from_stage = static_cast<int>(integer_at(row, 2));
    e.to_stage = static_cast<int>(integer_at(row, 3));
    e.reason = text_at(row, 4);
    e.loss_reason = text_at(row, 5);
    e.loss_note = text_at(row, 6);
    e.actor_id = text_at(row, 7);
    e.owner_id = text_at(row, 8);
    e.team_id = text_at(row, 9);
    e.created_at = from_micros(integer_at(row, 10));
    events.push_back(std::move(e));
  }
  return events;
}

void CustomerRepository::record_reveal(std::uint64_t customer_id, const std::string& actor_id,
                                       const std::string& actor_role, const std::string& purpose,
                                       TimePoint at) {
  const long long customer = static_cast<long long>(customer_id);
  const std::string created_at = to_sql_datetime(at);
  sql_ << "INSERT INTO contact_reveals (customer_id, actor_id, actor_role, purpose, created_at) "
          "VALUES (:customer, :actor, :role, :purpose, :created_at)",
      soci::use(customer), soci::use(actor_id), soci::use(actor_role), soci::use(purpose),
      soci::use(created_at);
}

bool CustomerRepository::is_live_dictionary_entry(const std::string& kind,
                                                  const std::string& code) {
  int found = 0;
  sql_ << "SELECT COUNT(*) FROM dictionary_entries WHERE kind = :kind AND code = :code AND "
          "retired_at IS NULL",
      soci::use(kind), soci::use(code), soci::into(found);
  return found > 0;
}

std::vector<std::string> CustomerRepository::live_dictionary_codes(const std::string& kind) {
  std::vector<std::string> codes;
  const soci::rowset<std::string> rows =
      (sql_.prepare << "SELECT code FROM dictionary_entries WHERE kind = :kind AND retired_at IS "
                       "NULL",
       soci::use(kind));
  for (const auto& code : rows) codes.push_back(code);
  return codes;
}

}  // namespace salesfollow::customer_service
