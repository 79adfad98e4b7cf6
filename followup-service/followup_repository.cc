#include "followup_repository.h"

#include <fmt/format.h>

#include <map>

#include "salesfollow/common/crypto.h"
#include "salesfollow/common/sql_util.h"

namespace salesfollow::followup_service {

const std::string& plan_columns() {
  static const std::string columns = fmt::format(
      "c.id, {}, COALESCE(p.action, ''), COALESCE(p.recommended, 0), COALESCE(p.planner_id, ''), "
      "c.display_name, c.owner_id, c.stage",
      micros_of("p.plan_at"));
  return columns;
}

namespace {

using Params = SqlParams;

const std::string& follow_up_columns() {
  static const std::string columns = fmt::format(
      "id, customer_id, {}, {}, late, follower_id, logger_id, channel, scenario, content, "
      "feedback, next_action, stage_after, stage_event, revision",
      micros_of("happened_at"), micros_of("logged_at"));
  return columns;
}

FollowUpRow follow_up_from(const TextRow& row) {
  FollowUpRow f;
  f.id = static_cast<std::uint64_t>(row.integer(0));
  f.customer_id = static_cast<std::uint64_t>(row.integer(1));
  f.happened_at = from_micros(row.integer(2));
  f.logged_at = from_micros(row.integer(3));
  f.late = row.integer(4) != 0;
  f.follower_id = row.text(5);
  f.logger_id = row.text(6);
  f.channel = static_cast<int>(row.integer(7));
  f.scenario = row.text(8);
  f.content = row.text(9);
  f.feedback = row.text(10);
  f.next_action = row.text(11);
  f.stage_after = static_cast<int>(row.integer(12));
  f.stage_event = row.text(13);
  f.revision = static_cast<int>(row.integer(14));
  return f;
}

// Plan columns joined with the customer: p.customer_id, plan_at, action,
// recommended, planner_id, display_name, owner_id, stage.

PlanRow plan_from(const TextRow& row, std::size_t first = 0) {
  PlanRow p;
  p.customer_id = static_cast<std::uint64_t>(row.integer(first));
  if (!row.is_null(first + 1)) p.plan_at = from_micros(row.integer(first + 1));
  p.action = row.text(first + 2);
  p.recommended = row.integer(first + 3) != 0;
  p.planner_id = row.text(first + 4);
  p.display_name = row.text(first + 5);
  p.owner_id = row.text(first + 6);
  p.stage = static_cast<int>(row.integer(first + 7));
  return p;
}

std::string id_text(std::uint64_t id) { return std::to_string(id); }

}  // namespace

std::string FollowUpRepository::scope_sql(const ListScope& scope, Params& params,
                                          std::string_view table) const {
  std::string where;
  const auto add = [&](std::string_view column, std::string_view name, const std::string& value) {
    const std::string parameter = fmt::format("{}_{}", table, name);
    where += fmt::format(" AND {}.{} = :{}", table, column, parameter);
    params.emplace_back(parameter, value);
  };
  if (!scope.scope.owner_id.empty()) add("owner_id", "scope_owner", scope.scope.owner_id);
  if (!scope.scope.team_id.empty()) add("team_id", "scope_team", scope.scope.team_id);
  if (!scope.owner_id.empty()) add("owner_id", "only_owner", scope.owner_id);
  return where;
}

std::optional<CustomerView> FollowUpRepository::customer(std::uint64_t id) {
  std::optional<CustomerView> found;
  for_each_text_row(sql_,
                    "SELECT id, display_name, owner_id, team_id, DATE_FORMAT(first_contact_date, "
                    "'%Y-%m-%d'), stage, deleted FROM customers WHERE id = :id",
                    {{"id", id_text(id)}}, [&](const TextRow& row) {
                      found = CustomerView{static_cast<std::uint64_t>(row.integer(0)),
                                           row.text(1),
                                           row.text(2),
                                           row.text(3),
                                           row.text(4),
                                           static_cast<int>(row.integer(5)),
                                           row.integer(6) != 0};
                    });
  return found;
}

std::uint64_t FollowUpRepository::insert_follow_up(const FollowUpRow& f) {
  const std::string happened = to_sql_datetime(f.happened_at);
  const std::string logged = to_sql_datetime(f.logged_at);
  const long long customer = static_cast<long long>(f.customer_id);
  const int late = f.late ? 1 : 0;
  sql_ << "INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, "
          "logger_id, channel, scenario, content, feedback, next_action, stage_after, "
          "stage_event, revision) VALUES (:customer, :happened, :logged, :late, :follower, "
          ":logger, :channel, :scenario, :content, :feedback, :next_action, :stage_after, "
          ":stage_event, :revision)",
      soci::use(customer), soci::use(happened), soci::use(logged), soci::use(late),
      soci::use(f.follower_id), soci::use(f.logger_id), soci::use(f.channel), soci::use(f.scenario),
      soci::use(f.content), soci::use(f.feedback), soci::use(f.next_action),
      soci::use(f.stage_after), soci::use(f.stage_event), soci::use(f.revision);
  const auto id = static_cast<long long>(last_insert_id(sql_));
  return static_cast<std::uint64_t>(id);
}

std::optional<FollowUpRow> FollowUpRepository::follow_up(std::uint64_t id, bool for_update) {
  std::optional<FollowUpRow> found;
  for_each_text_row(sql_,
                    "SELECT " + follow_up_columns() + " FROM follow_ups WHERE id = :id" +
                        (for_update ? " FOR UPDATE" : ""),
                    {{"id", id_text(id)}},
                    [&](const TextRow& row) { found = follow_up_from(row); });
  return found;
}

std::vector<FollowUpRow> FollowUpRepository::follow_ups_of(
    std::uint64_t customer_id, std::optional<std::pair<long long, std::uint64_t>> before,
    int limit) {
  Params params = {{"customer", id_text(customer_id)}};
  std::string where = "customer_id = :customer";
  if (before) {
    where += fmt::format(" AND ({0} < :b1 OR ({0} = :b2 AND id < :b3))", micros_of("happened_at"));
    params.emplace_back("b1", std::to_string(before->first));
    params.emplace_back("b2", std::to_string(before->first));
    params.emplace_back("b3", id_text(before->second));
  }
  std::vector<FollowUpRow> rows;
  for_each_text_row(
      sql_,
      fmt::format("SELECT {} FROM follow_ups WHERE {} ORDER BY happened_at DESC, id DESC "
                  "LIMIT {}",
                  follow_up_columns(), where, limit),
      params, [&](const TextRow& row) { rows.push_back(follow_up_from(row)); });
  return rows;
}

void FollowUpRepository::update_follow_up(const FollowUpRow& f) {
  const std::string happened = to_sql_datetime(f.happened_at);
  const int late = f.late ? 1 : 0;
  const long long id = static_cast<long long>(f.id);
  sql_ << "UPDATE follow_ups SET happened_at = :happened, late = :late, channel = :channel, "
          "scenario = :scenario, content = :content, feedback = :feedback, "
          "next_action = :next_action, revision = :revision WHERE id = :id",
      soci::use(happened), soci::use(late), soci::use(f.channel), soci::use(f.scenario),
      soci::use(f.content), soci::use(f.feedback), soci::use(f.next_action), soci::use(f.revision),
      soci::use(id);
}

void FollowUpRepository::insert_amendment(std::uint64_t follow_up_id, const AmendmentRow& a) {
  const long long id = static_cast<long long>(follow_up_id);
  const std::string at = to_sql_datetime(a.amended_at);
  sql_ << "INSERT INTO follow_up_amendments (follow_up_id, revision, amended_by, amended_at, "
          "reason, changes) VALUES (:id, :revision, :by, :at, :reason, :changes)",
      soci::use(id), soci::use(a.revision), soci::use(a.amended_by), soci::use(at),
      soci::use(a.reason), soci::use(a.changes_json);
}

std::vector<AmendmentRow> FollowUpRepository::amendments(std::uint64_t follow_up_id) {
  std::vector<AmendmentRow> rows;
  for_each_text_row(
      sql_,
      "SELECT revision, amended_by, " + micros_of("amended_at") +
          ", reason, changes FROM follow_up_amendments WHERE follow_up_id = :id ORDER BY "
          "revision",
      {{"id", id_text(follow_up_id)}}, [&](const TextRow& row) {
        rows.push_back({static_cast<int>(row.integer(0)), row.text(1), from_micros(row.integer(2)),
                        row.text(3), row.text(4)});
      });
  return rows;
}

void FollowUpRepository::touch_activity(std::uint64_t customer_id, TimePoint happened_at) {
  const long long id = static_cast<long long>(customer_id);
  const std::string at = to_sql_datetime(happened_at);
  sql_ << "INSERT INTO customer_activity (customer_id, last_follow_up_at) VALUES (:id, :at) "
          "ON DUPLICATE KEY UPDATE last_follow_up_at = GREATEST(last_follow_up_at, "
          "VALUES(last_follow_up_at))",
      soci::use(id), soci::use(at);
}

std::optional<PlanRow> FollowUpRepository::plan(std::uint64_t customer_id) {
  std::optional<PlanRow> found;
  for_each_text_row(
      sql_,
      "SELECT " + plan_columns() +
          " FROM customers c JOIN follow_up_plans p ON p.customer_id = c.id WHERE c.id "
          "= :id",
      {{"id", id_text(customer_id)}}, [&](const TextRow& row) { found = plan_from(row); });
  return found;
}

void FollowUpRepository::set_plan(std::uint64_t customer_id, TimePoint plan_at,
                                  const std::string& action, bool recommended,
                                  const std::string& planner_id, TimePoint now) {
  const long long id = static_cast<long long>(customer_id);
  const std::string at = to_sql_datetime(plan_at);
  const std::string updated = to_sql_datetime(now);
  const int is_recommended = recommended ? 1 : 0;
  // The plan copies its customer's owner and team (V006). INSERT ... SELECT
  // reads the customer row with a shared lock, so a concurrent transfer
  // either commits first (and we copy the new owner) or waits for us (and
  // moves the plan we wrote).
  sql_ << "INSERT INTO follow_up_plans (customer_id, owner_id, team_id, plan_at, action, "
          "recommended, planner_id, updated_at, reminded) SELECT c.id, c.owner_id, c.team_id, "
          ":at, :action, :recommended, :planner, :updated, 0 FROM customers c WHERE c.id = :id "
          "ON DUPLICATE KEY UPDATE owner_id = VALUES(owner_id), team_id = VALUES(team_id), "
          "plan_at = VALUES(plan_at), action = VALUES(action), "
          "recommended = VALUES(recommended), planner_id = VALUES(planner_id), "
          "updated_at = VALUES(updated_at), reminded = 0",
      soci::use(at), soci::use(action), soci::use(is_recommended), soci::use(planner_id),
      soci::use(updated), soci::use(id);
}

void FollowUpRepository::clear_plan(std::uint64_t customer_id) {
  const long long id = static_cast<long long>(customer_id);
  sql_ << "DELETE FROM follow_up_plans WHERE customer_id = :id", soci::use(id);
}

std::optional<std::pair<Cadence, std::pair<std::string, TimePoint>>>
FollowUpRepository::stored_policy(const std::string& team_id) {
  std::optional<std::pair<Cadence, std::pair<std::string, TimePoint>>> found;
  for_each_text_row(
      sql_,
      "SELECT potential_days, intention_days, high_intention_days, won_days, lost_days, "
      "stalled_factor, updated_by, " +
          micros_of("updated_at") + " FROM cadence_policies WHERE team_id = :team",
      {{"team", team_id}}, [&](const TextRow& row) {
        Cadence cadence;
        for (std::size_t i = 0; i < 5; ++i) {
          cadence.days.at(i + 1) = static_cast<int>(row.integer(i));
        }
        cadence.stalled_factor = static_cast<int>(row.integer(5));
        found = {cadence, {row.text(6), from_micros(row.integer(7))}};
      });
  return found;
}

Cadence FollowUpRepository::team_cadence(const std::string& team_id) {
  const auto stored = stored_policy(team_id);
  return stored ? stored->first : Cadence{};
}

void FollowUpRepository::save_policy(const std::string& team_id, const Cadence& c,
                                     const std::string& by, TimePoint now) {
  const std::string at = to_sql_datetime(now);
  sql_ << "INSERT INTO cadence_policies (team_id, potential_days, intention_days, "
          "high_intention_days, won_days, lost_days, stalled_factor, updated_by, updated_at) "
          "VALUES (:team, :d1, :d2, :d3, :d4, :d5, :factor, :by, :at) ON DUPLICATE KEY UPDATE "
          "potential_days = VALUES(potential_days), intention_days = VALUES(intention_days), "
          "high_intention_days = VALUES(high_intention_days), won_days = VALUES(won_days), "
          "lost_days = VALUES(lost_days), stalled_factor = VALUES(stalled_factor), "
          "updated_by = VALUES(updated_by), updated_at = VALUES(updated_at)",
      soci::use(team_id), soci::use(c.days[1]), soci::use(c.days[2]), soci::use(c.days[3]),
      soci::use(c.days[4]), soci::use(c.days[5]), soci::use(c.stalled_factor), soci::use(by),
      soci::use(at);
}

std::optional<int> FollowUpRepository::customer_override(std::uint64_t customer_id) {
  std::optional<int> days;
  for_each_text_row(sql_, "SELECT interval_days FROM customer_cadences WHERE customer_id = :id",
                    {{"id", id_text(customer_id)}},
                    [&](const TextRow& row) { days = static_cast<int>(row.integer(0)); });
  return days;
}

void FollowUpRepository::set_customer_override(std::uint64_t customer_id, int days,
                                               const std::string& by, TimePoint now) {
  const long long id = static_cast<long long>(customer_id);
  if (days <= 0) {
    sql_ << "DELETE FROM customer_cadences WHERE customer_id = :id", soci::use(id);
    return;
  }
  const std::string at = to_sql_datetime(now);
  sql_ << "INSERT INTO customer_cadences (customer_id, interval_days, set_by, updated_at) "
          "VALUES (:id, :days, :by, :at) ON DUPLICATE KEY UPDATE interval_days = "
          "VALUES(interval_days), set_by = VALUES(set_by), updated_at = VALUES(updated_at)",
      soci::use(id), soci::use(days), soci::use(by), soci::use(at);
}

std::vector<PlanRow> FollowUpRepository::due_plans(
    const ListScope& scope, TimePoint before,
    std::optional<std::pair<long long, std::uint64_t>> after, int limit) {
  Params params = {{"before", to_sql_datetime(before)}};
  // The plan's copy of the owner and team (V006) picks a short range of
  // idx_owner_plan_at / idx_team_plan_at; the customer's own columns stay
  // the authority.
  std::string where = "c.deleted = 0 AND p.plan_at < :before" + scope_sql(scope, params) +
                      scope_sql(scope, params, "p");
  if (after) {
    where += fmt::format(" AND ({0} > :a1 OR ({0} = :a2 AND p.customer_id > :a3))",
                         micros_of("p.plan_at"));
    params.emplace_back("a1", std::to_string(after->first));
    params.emplace_back("a2", std::to_string(after->first));
    params.emplace_back("a3", id_text(after->second));
  }
  std::vector<PlanRow> rows;
  for_each_text_row(sql_,
                    fmt::format("SELECT {} FROM follow_up_plans p JOIN customers c ON c.id = "
                                "p.customer_id WHERE {} ORDER BY p.plan_at, p.customer_id LIMIT {}",
                                plan_columns(), where, limit),
                    params, [&](const TextRow& row) { rows.push_back(plan_from(row)); });
  return rows;
}

std::vector<ActivityRow> FollowUpRepository::open_customers(const ListScope& scope,
                                                            std::uint64_t after_id, int limit) {
  Params params = {{"after", id_text(after_id)}};
  const std::string where =
      "c.deleted = 0 AND c.stage IN (1, 2, 3) AND c.id > :after" + scope_sql(scope, params);
  std::vector<ActivityRow> rows;
  for_each_text_row(
      sql_,
      fmt::format("SELECT c.id, c.display_name, c.owner_id, c.team_id, "
                  "DATE_FORMAT(c.first_contact_date, '%Y-%m-%d'), c.stage, {}, cc.interval_days "
                  "FROM customers c LEFT JOIN customer_activity a ON a.customer_id = c.id "
                  "LEFT JOIN customer_cadences cc ON cc.customer_id = c.id WHERE {} "
                  "ORDER BY c.id LIMIT {}",
                  micros_of("a.last_follow_up_at"), where, limit),
      params, [&](const TextRow& row) {
        ActivityRow a;
        a.customer = {static_cast<std::uint64_t>(row.integer(0)),
                      row.text(1),
                      row.text(2),
                      row.text(3),
                      row.text(4),
                      static_cast<int>(row.integer(5)),
                      false};
        if (!row.is_null(6)) a.last_follow_up_at = from_micros(row.integer(6));
        if (!row.is_null(7)) a.override_days = static_cast<int>(row.integer(7));
        rows.push_back(std::move(a));
      });
  return rows;
}

std::vector<PlanRow> FollowUpRepository::high_intent(
    const ListScope& scope, std::optional<std::pair<long long, std::uint64_t>> after, int limit) {
  // Unplanned customers sort last: their key is the largest possible instant.
  constexpr long long kNoPlan = 253402300799000000LL;  // 9999-12-31T23:59:59Z
  Params params;
  const std::string key = fmt::format("COALESCE({}, {})", micros_of("p.plan_at"), kNoPlan);
  std::string where = "c.deleted = 0 AND c.stage = 3" + scope_sql(scope, params);
  if (after) {
    where += fmt::format(" AND ({0} > :a1 OR ({0} = :a2 AND c.id > :a3))", key);
    params.emplace_back("a1", std::to_string(after->first));
    params.emplace_back("a2", std::to_string(after->first));
    params.emplace_back("a3", id_text(after->second));
  }
  std::vector<PlanRow> rows;
  for_each_text_row(sql_,
                    fmt::format("SELECT {} FROM customers c LEFT JOIN follow_up_plans p ON "
                                "p.customer_id = c.id WHERE {} ORDER BY {}, c.id LIMIT {}",
                                plan_columns(), where, key, limit),
                    params, [&](const TextRow& row) { rows.push_back(plan_from(row)); });
  return rows;
}

int FollowUpRepository::create_due_reminders(TimePoint now) {
  const std::string at = to_sql_datetime(now);
  soci::transaction transaction(sql_);
  soci::statement insert = (sql_.prepare << "INSERT IGNORE INTO reminders (customer_id, plan_at, "
                                            "action, due_at, created_at) SELECT customer_id, "
                                            "plan_at, action, plan_at, :now FROM follow_up_plans "
                                            "WHERE reminded = 0 AND plan_at <= :now2 FOR UPDATE",
                            soci::use(at), soci::use(at));
  insert.execute(true);
  const auto created = insert.get_affected_rows();
  sql_ << "UPDATE follow_up_plans SET reminded = 1 WHERE reminded = 0 AND plan_at <= :now",
      soci::use(at);
  transaction.commit();
  return static_cast<int>(created);
}

std::vector<ReminderRow> FollowUpRepository::reminders_after(const CustomerScope& scope,
                                                             TimePoint since,
                                                             std::uint64_t after_id, int limit) {
  Params params = {{"after", id_text(after_id)}, {"since", to_sql_datetime(since)}};
  const std::string where =
      "r.id > :after AND r.due_at >= :since AND c.deleted = 0" + scope_sql({scope, ""}, params);
  std::vector<ReminderRow> rows;
  for_each_text_row(sql_,
                    fmt::format("SELECT r.id, {}, c.id, {}, r.action, 0, '', c.display_name, "
                                "c.owner_id, c.stage FROM reminders r JOIN customers c ON c.id = "
                                "r.customer_id WHERE {} ORDER BY r.id LIMIT {}",
                                micros_of("r.due_at"), micros_of("r.plan_at"), where, limit),
                    params, [&](const TextRow& row) {
                      ReminderRow r;
                      r.id = static_cast<std::uint64_t>(row.integer(0));
                      r.due_at = from_micros(row.integer(1));
                      r.plan = plan_from(row, 2);
                      rows.push_back(std::move(r));
                    });
  return rows;
}

std::vector<std::pair<std::string, long long>> FollowUpRepository::overdue_by_owner(
    TimePoint before) {
  // Every overdue plan by its owner copy (V006: one covering index scan),
  // less those of soft-deleted customers (a short range of deleted ones).
  // Joining every overdue plan with its customer row instead took 2 s at 1M
  // customers (docs/PERFORMANCE.md, services finding 8).
  const std::string at = to_sql_datetime(before);
  std::map<std::string, long long> by_owner;
  for_each_text_row(sql_,
                    "SELECT p.owner_id, COUNT(*) FROM follow_up_plans p WHERE p.plan_at < :before "
                    "GROUP BY p.owner_id",
                    {{"before", at}},
                    [&](const TextRow& row) { by_owner[row.text(0)] += row.integer(1); });
  for_each_text_row(sql_,
                    "SELECT p.owner_id, COUNT(*) FROM customers c JOIN follow_up_plans p ON "
                    "p.customer_id = c.id WHERE c.deleted = 1 AND p.plan_at < :before GROUP BY "
                    "p.owner_id",
                    {{"before", at}},
                    [&](const TextRow& row) { by_owner[row.text(0)] -= row.integer(1); });
  std::vector<std::pair<std::string, long long>> counts;
  for (const auto& [owner, count] : by_owner) {
    if (count > 0) counts.emplace_back(owner, count);
  }
  return counts;
}

std::uint64_t FollowUpRepository::insert_attachment(const AttachmentRow& a) {
  const long long follow_up = static_cast<long long>(a.follow_up_id);
  const long long customer = static_cast<long long>(a.customer_id);
  const long long size = a.size_bytes;
  const std::string at = to_sql_datetime(a.created_at);
  sql_ << "INSERT INTO attachments (follow_up_id, customer_id, file_name, content_type, "
          "size_bytes, sha256, uploader_id, created_at) VALUES (:f, :c, :name, :type, :size, "
          ":sha, :uploader, :at)",
      soci::use(follow_up), soci::use(customer), soci::use(a.file_name), soci::use(a.content_type),
      soci::use(size), soci::use(a.sha256), soci::use(a.uploader_id), soci::use(at);
  const auto id = static_cast<long long>(last_insert_id(sql_));
  return static_cast<std::uint64_t>(id);
}

void FollowUpRepository::insert_chunk(std::uint64_t attachment_id, int seq,
                                      const std::string& bytes) {
  sql_ << fmt::format(
      "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES ({}, {}, {})", attachment_id,
      seq, sql_quote(sql_, crypto::base64_encode(bytes)));
}

namespace {
AttachmentRow attachment_from(const TextRow& row) {
  AttachmentRow a;
  a.id = static_cast<std::uint64_t>(row.integer(0));
  a.follow_up_id = static_cast<std::uint64_t>(row.integer(1));
  a.customer_id = static_cast<std::uint64_t>(row.integer(2));
  a.file_name = row.text(3);
  a.content_type = row.text(4);
  a.size_bytes = row.integer(5);
  a.sha256 = row.text(6);
  a.uploader_id = row.text(7);
  a.created_at = from_micros(row.integer(8));
  return a;
}
const std::string& attachment_columns() {
  static const std::string columns =
      "id, follow_up_id, customer_id, file_name, content_type, size_bytes, sha256, uploader_id, " +
      micros_of("created_at");
  return columns;
}
}  // namespace

std::optional<AttachmentRow> FollowUpRepository::attachment(std::uint64_t id) {
  std::optional<AttachmentRow> found;
  for_each_text_row(sql_, "SELECT " + attachment_columns() + " FROM attachments WHERE id = :id",
                    {{"id", id_text(id)}},
                    [&](const TextRow& row) { found = attachment_from(row); });
  return found;
}

std::vector<AttachmentRow> FollowUpRepository::attachments_of(std::uint64_t follow_up_id) {
  std::vector<AttachmentRow> rows;
  for_each_text_row(
      sql_,
      "SELECT " + attachment_columns() + " FROM attachments WHERE follow_up_id = :id ORDER BY id",
      {{"id", id_text(follow_up_id)}},
      [&](const TextRow& row) { rows.push_back(attachment_from(row)); });
  return rows;
}

std::optional<std::string> FollowUpRepository::chunk(std::uint64_t attachment_id, int seq) {
  std::optional<std::string> data;
  for_each_text_row(sql_,
                    "SELECT data FROM attachment_chunks WHERE attachment_id = :id AND seq = :seq",
                    {{"id", id_text(attachment_id)}, {"seq", std::to_string(seq)}},
                    [&](const TextRow& row) { data = crypto::base64_decode(row.text(0)); });
  return data;
}

}  // namespace salesfollow::followup_service
