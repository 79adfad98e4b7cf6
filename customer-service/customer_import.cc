// CustomerService.ImportCustomers: rows stream in, are checked one by one,
// and are written in batches of multi-row INSERTs. The whole import is one
// transaction: a row is written with its tags and history or not at all, and
// the answer is stored with the rows under the request_id, so a retried
// import returns the first answer and writes nothing (docs/CUSTOMER_SERVICE.md).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "customer_service.h"
#include "customer_validation.h"
#include "salesfollow/common/crypto.h"
#include "salesfollow/common/errors.h"
#include "salesfollow/common/idempotency.h"

namespace salesfollow::customer_service {
namespace {

constexpr std::size_t kBatchRows = 500;
constexpr int kMaxRejectedListed = 10000;

struct PendingRow {
  std::int64_t row;
  v1::Customer profile;
};

struct Candidate {
  std::int64_t row;
  CustomerRecord record;
};

// The live dictionary codes, read once per import.
struct Dictionaries {
  std::set<std::string> industries, sources, need_tags;
};

}  // namespace

grpc::Status CustomerServiceImpl::ImportCustomers(
    grpc::ServerContext* context, grpc::ServerReader<v1::ImportCustomersRequest>* reader,
    v1::ImportCustomersResponse* response) {
  return guarded("ImportCustomers", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const std::string today_date = today();
    auto lease = deps_.db.acquire(budget(*context));
    soci::session& sql = lease.session();
    try {
      soci::transaction transaction(sql);
      CustomerRepository repository(sql);
      Dictionaries dictionaries;
      for (auto& code : repository.live_dictionary_codes("industry"))
        dictionaries.industries.insert(code);
      for (auto& code : repository.live_dictionary_codes("source"))
        dictionaries.sources.insert(code);
      for (auto& code : repository.live_dictionary_codes("need_tag"))
        dictionaries.need_tags.insert(code);

      v1::ImportCustomersResponse answer;
      // Rejections of the current batch; listed in row order when it is written.
      std::vector<v1::ImportRowResult> batch_rejected;
      const auto reject = [&](std::int64_t row, v1::ImportRowResult::Outcome outcome,
                              const std::string& existing, const std::string& message) {
        v1::ImportRowResult result;
        result.set_row(row);
        result.set_outcome(outcome);
        result.set_customer(existing);
        result.set_message(message);
        batch_rejected.push_back(std::move(result));
      };
      const auto list_rejected = [&] {
        std::sort(batch_rejected.begin(), batch_rejected.end(),
                  [](const auto& a, const auto& b) { return a.row() < b.row(); });
        for (auto& result : batch_rejected) {
          if (result.outcome() == v1::ImportRowResult::DUPLICATE) {
            answer.set_duplicates(answer.duplicates() + 1);
          } else {
            answer.set_invalid(answer.invalid() + 1);
          }
          if (answer.rejected_size() >= kMaxRejectedListed) {
            answer.set_rejected_truncated(true);
          } else {
            *answer.add_rejected() = std::move(result);
          }
        }
        batch_rejected.clear();
      };

      std::string request_id;
      bool allow_duplicates = false;
      std::int64_t expected_rows = 0;  // 0: not announced
      std::optional<std::pair<std::string, std::string>> previous;
      std::string chain = crypto::sha256("ImportCustomers\n" + caller.user_id);
      std::vector<PendingRow> batch;
      std::int64_t rows = 0;

      const auto flush = [&] {
        const TimePoint now = deps_.clock.now();
        std::vector<Candidate> candidates;
        for (auto& pending : batch) {
          try {
            validate_customer_profile(pending.profile, "customer", today_date);
            const auto& p = pending.profile;
            if (dictionaries.industries.count(p.industry()) == 0) {
              throw invalid_field("customer.industry",
                                  fmt::format("'{}' is not a live industry code", p.industry()));
            }
            if (dictionaries.sources.count(p.source()) == 0) {
              throw invalid_field("customer.source",
                                  fmt::format("'{}' is not a live source code", p.source()));
            }
            for (const auto& tag : p.need_tags()) {
              if (dictionaries.need_tags.count(tag) == 0) {
                throw invalid_field("customer.need_tags",
                                    fmt::format("'{}' is not a live need_tag code", tag));
              }
            }
            std::string owner = p.owner_id().empty() ? caller.user_id : p.owner_id();
            if (caller.role == Role::rep && owner != caller.user_id) {
              throw invalid_field("customer.owner_id", "a rep may only import customers they own");
            }
            std::string team = caller.team_id;
            if ((caller.role == Role::admin || caller.role == Role::service) &&
                !p.team_id().empty()) {
              team = p.team_id();
            }
            if (team.empty())
              throw invalid_field("customer.team_id", "is required for this caller");
            candidates.push_back(
                {pending.row, new_record(p, owner, team, v1::STAGE_POTENTIAL, caller, now)});
          } catch (const ServiceError& e) {
            reject(pending.row, v1::ImportRowResult::INVALID, "", e.what());
          }
        }
        batch.clear();

        std::vector<CustomerRecord> accepted;
        std::vector<std::int64_t> accepted_rows;
        // Duplicates of rows of this batch: named once those rows have ids.
        std::vector<std::pair<std::size_t, std::int64_t>> same_batch;  // result index, row
        if (allow_duplicates) {
          for (auto& c : candidates) {
            accepted_rows.push_back(c.row);
            accepted.push_back(std::move(c.record));
          }
        } else {
          // Live customers (including rows of this import, already inserted in
          // this transaction) that share a key with a candidate.
          // One statement per key column for the whole batch (it was one
          // per key: 2.5 round trips per row, docs/PERFORMANCE.md finding 7).
          std::map<std::string, std::uint64_t> existing;  // "kind:key" -> id
          std::map<std::string, std::vector<std::string>> keys;  // column -> distinct keys
          for (const auto& c : candidates) {
            keys["name_key"].push_back(c.record.name_key);
            if (c.record.contact.phone_bidx)
              keys["phone_bidx"].push_back(*c.record.contact.phone_bidx);
            if (c.record.contact.email_bidx)
              keys["email_bidx"].push_back(*c.record.contact.email_bidx);
          }
          for (auto& [column, values] : keys) {
            std::sort(values.begin(), values.end());
            values.erase(std::unique(values.begin(), values.end()), values.end());
            const auto ids = repository.oldest_live_with(column, values);
            for (std::size_t i = 0; i < values.size(); ++i) {
              if (ids[i]) existing[column + ":" + values[i]] = *ids[i];
            }
          }
          std::map<std::string, std::int64_t> in_batch;  // "kind:key" -> row
          for (auto& c : candidates) {
            std::vector<std::pair<std::string, std::string>> own = {
                {"name_key", c.record.name_key}};
            if (c.record.contact.phone_bidx)
              own.emplace_back("phone_bidx", *c.record.contact.phone_bidx);
            if (c.record.contact.email_bidx)
              own.emplace_back("email_bidx", *c.record.contact.email_bidx);
            std::optional<std::string> problem;
            std::string existing_name;
            std::optional<std::int64_t> earlier_row;
            for (const auto& [column, key] : own) {
              const std::string matched = column == "name_key"     ? "name"
                                          : column == "phone_bidx" ? "phone"
                                                                   : "email";
              if (auto found = existing.find(column + ":" + key); found != existing.end()) {
                existing_name = customer_name(found->second);
                problem = fmt::format("same {} as {}", matched, existing_name);
                break;
              }
              if (auto found = in_batch.find(column + ":" + key); found != in_batch.end()) {
                earlier_row = found->second;
                problem = fmt::format("same {} as row {} of this import", matched, found->second);
                break;
              }
            }
            if (problem) {
              reject(c.row, v1::ImportRowResult::DUPLICATE, existing_name, *problem);
              if (earlier_row) same_batch.emplace_back(batch_rejected.size() - 1, *earlier_row);
              continue;
            }
            for (const auto& [column, key] : own) in_batch[column + ":" + key] = c.row;
            accepted_rows.push_back(c.row);
            accepted.push_back(std::move(c.record));
          }
        }
        if (accepted.empty()) {
          list_rejected();
          return;
        }
        const auto ids = repository.insert_many(accepted);
        for (const auto& [result_index, row] : same_batch) {
          const auto position = std::find(accepted_rows.begin(), accepted_rows.end(), row);
          if (position != accepted_rows.end()) {
            batch_rejected[result_index].set_customer(
                customer_name(ids[static_cast<std::size_t>(position - accepted_rows.begin())]));
          }
        }
        list_rejected();
        std::vector<StageEventRecord> stage_events;
        std::vector<OwnerEventRecord> owner_events;
        for (std::size_t i = 0; i < accepted.size(); ++i) {
          const auto& r = accepted[i];
          stage_events.push_back({0, ids[i], std::nullopt, r.stage, "imported", "", "",
                                  caller.user_id, r.owner_id, r.team_id, now});
          owner_events.push_back({ids[i], std::nullopt, std::nullopt, r.owner_id, r.team_id,
                                  "imported", caller.user_id, now});
        }
        repository.append_stage_events(stage_events);
        repository.append_owner_events(owner_events);
        answer.set_created(answer.created() + static_cast<std::int64_t>(accepted.size()));
      };

      v1::ImportCustomersRequest message;
      bool first = true;
      while (reader->Read(&message)) {
        if (first) {
          first = false;
          request_id = message.request_id();
          check_request_id(request_id);
          allow_duplicates = message.allow_duplicates();
          expected_rows = message.expected_rows();
          if (expected_rows < 0) throw invalid_field("expected_rows", "must not be negative");
          if (!request_id.empty())
            previous = find_idempotent_record(sql, "ImportCustomers", request_id);
        } else if (!message.request_id().empty() && message.request_id() != request_id) {
          throw invalid_field("request_id", "must be the same in every message of one import");
        }
        for (const auto& customer : message.customers()) {
          ++rows;
          chain = crypto::sha256(chain + customer.SerializeAsString());
          if (previous) continue;  // a retry: only fingerprint the rows
          batch.push_back({rows, customer});
          if (batch.size() >= kBatchRows) flush();
        }
      }
      if (expected_rows > 0 && rows != expected_rows) {
        transaction.rollback();
        throw invalid_field("expected_rows",
                            fmt::format("announced {} rows but {} arrived (a message that could "
                                        "not be parsed ends the stream); nothing was imported",
                                        expected_rows, rows));
      }
      const std::string fingerprint =
          crypto::sha256_hex(crypto::to_hex(chain) + (allow_duplicates ? ":allow" : ":dedup"));
      if (previous) {
        transaction.rollback();
        if (previous->first != fingerprint) {
          throw invalid_field("request_id", "was already used for a different import");
        }
        if (!response->ParseFromString(previous->second))
          throw std::runtime_error("corrupt stored answer");
        return grpc::Status::OK;
      }
      flush();
      answer.set_rows_received(rows);
      if (!request_id.empty() &&
          !record_idempotent_answer(sql, "ImportCustomers", request_id, fingerprint, caller.user_id,
                                    answer.SerializeAsString(), deps_.clock.now())) {
        transaction.rollback();
        throw ServiceError(
            grpc::StatusCode::ABORTED, "CONCURRENT_UPDATE",
            "another import with the same request_id finished first; retry to get its answer");
      }
      transaction.commit();
      deps_.metrics.created(static_cast<double>(answer.created()));
      deps_.metrics.imported("created", static_cast<double>(answer.created()));
      deps_.metrics.imported("duplicate", static_cast<double>(answer.duplicates()));
      deps_.metrics.imported("invalid", static_cast<double>(answer.invalid()));
      *response = answer;
      return grpc::Status::OK;
    } catch (const soci::soci_error& e) {
      lease.note_error(ConnectionPool::mysql_error_number(e));
      throw;
    }
  });
}

}  // namespace salesfollow::customer_service
