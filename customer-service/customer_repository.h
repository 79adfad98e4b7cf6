// The SQL of customer-service, in one place. Every method runs on the
// caller's session (and so inside the caller's transaction, if any).
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "customer_query.h"
#include "customer_record.h"
#include "salesfollow/common/auth.h"

namespace salesfollow::customer_service {

struct Duplicate {
  std::uint64_t id;
  std::string matched;  // name | phone | email
};

using Scope = CustomerScope;

struct ListSpec {
  Scope scope;
  CustomerQuery query;
  CustomerOrder order;
  bool show_deleted = false;
  // Keyset cursor: the sort value and id of the last row of the previous page.
  std::optional<std::string> after_value;
  std::uint64_t after_id = 0;
  int limit = 50;
};

// The columns every customer read selects, in record_from_row's order (also
// what the load benchmark's floor sends: bench/services).
const std::string& customer_columns();

class CustomerRepository {
 public:
  explicit CustomerRepository(soci::session& sql) : sql_(sql) {}

  std::optional<CustomerRecord> find(std::uint64_t id, bool for_update);
  // Inserts the row and its need tags; returns the new id.
  std::uint64_t insert(const CustomerRecord& customer);
  // Inserts many customers with multi-row statements; returns their ids in order.
  std::vector<std::uint64_t> insert_many(const std::vector<CustomerRecord>& customers);
  // Writes every mutable column (and the tags when `tags_changed`).
  void update(const CustomerRecord& customer, bool tags_changed);

  std::uint64_t append_stage_event(const StageEventRecord& event);
  void append_stage_events(const std::vector<StageEventRecord>& events);
  void append_owner_event(const OwnerEventRecord& event);
  void append_owner_events(const std::vector<OwnerEventRecord>& events);
  // Moves the customer's planned follow-up (followup-service's table, which
  // keeps a copy of the owner for the due lists; migration V006) to the new
  // owner, in the transfer's transaction.
  void move_plan(std::uint64_t customer_id, const std::string& owner_id,
                 const std::string& team_id);

  // A live customer (other than `exclude_id`) matching any of the keys.
  std::optional<Duplicate> find_duplicate(const std::string& name_key,
                                          const std::optional<std::string>& phone_bidx,
                                          const std::optional<std::string>& email_bidx,
                                          std::uint64_t exclude_id);
  // For each of `keys` (values of `column`: name_key, phone_bidx or
  // email_bidx), the oldest live customer with that key, in one statement
  // (the import checks a whole batch at once). No locks: the import's own
  // transaction sees its earlier batches.
  std::vector<std::optional<std::uint64_t>> oldest_live_with(const std::string& column,
                                                             const std::vector<std::string>& keys);

  std::vector<CustomerRecord> list(const ListSpec& spec);
  std::vector<StageEventRecord> stage_events(std::uint64_t customer_id, std::uint64_t after_id,
                                             int limit);
  void record_reveal(std::uint64_t customer_id, const std::string& actor_id,
                     const std::string& actor_role, const std::string& purpose, TimePoint at);

  bool is_live_dictionary_entry(const std::string& kind, const std::string& code);
  // Live codes of one dictionary kind.
  std::vector<std::string> live_dictionary_codes(const std::string& kind);

 private:
  std::string quote(const std::string& value) const;  // escaped SQL literal
  std::vector<CustomerRecord> load_rows(
      const std::string& where_and_order,
      const std::vector<std::pair<std::string, std::string>>& params);

  soci::session& sql_;
};

}  // namespace salesfollow::customer_service
