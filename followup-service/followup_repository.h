// The SQL of followup-service. Customers are read from customer-service's
// `customers` table (same schema, read only): owner, team, stage, deletion.
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cadence.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/clock.h"

namespace salesfollow::followup_service {

struct CustomerView {
  std::uint64_t id = 0;
  std::string display_name, owner_id, team_id, first_contact_date;
  int stage = 1;
  bool deleted = false;
};

struct FollowUpRow {
  std::uint64_t id = 0;
  std::uint64_t customer_id = 0;
  TimePoint happened_at, logged_at;
  bool late = false;
  std::string follower_id, logger_id;
  int channel = 0;
  std::string scenario, content, feedback, next_action;
  int stage_after = 1;
  std::string stage_event;
  int revision = 0;
};

struct AmendmentRow {
  int revision = 0;
  std::string amended_by;
  TimePoint amended_at;
  std::string reason;
  std::string changes_json;
};

struct PlanRow {
  std::uint64_t customer_id = 0;
  std::optional<TimePoint> plan_at;  // empty: no plan (high-intent lists)
  std::string action;
  bool recommended = false;
  std::string planner_id;
  std::string display_name, owner_id;
  int stage = 1;
};

struct ActivityRow {
  CustomerView customer;
  std::optional<TimePoint> last_follow_up_at;
  std::optional<int> override_days;
};

struct ReminderRow {
  std::uint64_t id = 0;
  PlanRow plan;
  TimePoint due_at;
};

struct AttachmentRow {
  std::uint64_t id = 0;
  std::uint64_t follow_up_id = 0;
  std::uint64_t customer_id = 0;
  std::string file_name, content_type, sha256, uploader_id;
  std::int64_t size_bytes = 0;
  TimePoint created_at;
};

// Narrows a list to one owner inside the caller's scope ("" = whole scope).
struct ListScope {
  CustomerScope scope;
  std::string owner_id;
};

// The columns of a plan row (plan_from's order; also the load benchmark's
// floor: bench/services).
const std::string& plan_columns();

class FollowUpRepository {
 public:
  explicit FollowUpRepository(soci::session& sql) : sql_(sql) {}

  std::optional<CustomerView> customer(std::uint64_t id);

  std::uint64_t insert_follow_up(const FollowUpRow& row);
  std::optional<FollowUpRow> follow_up(std::uint64_t id, bool for_update);
  std::vector<FollowUpRow> follow_ups_of(std::uint64_t customer_id,
                                         std::optional<std::pair<long long, std::uint64_t>> before,
                                         int limit);
  void update_follow_up(const FollowUpRow& row);
  void insert_amendment(std::uint64_t follow_up_id, const AmendmentRow& amendment);
  std::vector<AmendmentRow> amendments(std::uint64_t follow_up_id);
  // Keeps the latest contact time of the customer.
  void touch_activity(std::uint64_t customer_id, TimePoint happened_at);

  std::optional<PlanRow> plan(std::uint64_t customer_id);
  void set_plan(std::uint64_t customer_id, TimePoint plan_at, const std::string& action,
                bool recommended, const std::string& planner_id, TimePoint now);
  void clear_plan(std::uint64_t customer_id);

  Cadence team_cadence(const std::string& team_id);
  std::optional<std::pair<Cadence, std::pair<std::string, TimePoint>>> stored_policy(
      const std::string& team_id);
  void save_policy(const std::string& team_id, const Cadence& cadence, const std::string& by,
                   TimePoint now);
  std::optional<int> customer_override(std::uint64_t customer_id);
  void set_customer_override(std::uint64_t customer_id, int days, const std::string& by,
                             TimePoint now);

  // Plans before `before`, ordered by (plan_at, customer_id) after the cursor.
  std::vector<PlanRow> due_plans(const ListScope& scope, TimePoint before,
                                 std::optional<std::pair<long long, std::uint64_t>> after,
                                 int limit);
  // Live customers in potential/intention/high intention after `after_id`.
  std::vector<ActivityRow> open_customers(const ListScope& scope, std::uint64_t after_id,
                                          int limit);
  std::vector<PlanRow> high_intent(const ListScope& scope,
                                   std::optional<std::pair<long long, std::uint64_t>> after,
                                   int limit);

  // Creates a reminder for every plan that came due; returns how many.
  int create_due_reminders(TimePoint now);
  std::vector<ReminderRow> reminders_after(const CustomerScope& scope, TimePoint since,
                                           std::uint64_t after_id, int limit);
  // Overdue plans per owner (for the gauge).
  std::vector<std::pair<std::string, long long>> overdue_by_owner(TimePoint before);

  std::uint64_t insert_attachment(const AttachmentRow& row);
  void insert_chunk(std::uint64_t attachment_id, int seq, const std::string& bytes);
  std::optional<AttachmentRow> attachment(std::uint64_t id);
  std::vector<AttachmentRow> attachments_of(std::uint64_t follow_up_id);
  std::optional<std::string> chunk(std::uint64_t attachment_id, int seq);

 private:
  // " AND <table>.owner_id = ... AND <table>.team_id = ..." for the scope.
  std::string scope_sql(const ListScope& scope,
                        std::vector<std::pair<std::string, std::string>>& params,
                        std::string_view table = "c") const;
  soci::session& sql_;
};

}  // namespace salesfollow::followup_service
