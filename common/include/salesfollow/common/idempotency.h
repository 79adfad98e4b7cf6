// Idempotent writes (AIP-155): a request carrying a request_id is answered
// once; a retry with the same id gets the first answer back and writes
// nothing, also when the first answer was lost on the way. The answer is
// stored in `idempotency_keys` in the same transaction as the write, so the
// two commit or vanish together. Reusing an id for a different request is
// INVALID_ARGUMENT.
#pragma once

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <soci/soci.h>

#include <optional>
#include <string>

#include "salesfollow/common/clock.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/common/errors.h"

namespace salesfollow {

// Throws INVALID_ARGUMENT unless empty or 1..128 printable ASCII characters.
void check_request_id(const std::string& request_id);

// SHA-256 over the caller and the deterministic serialization of `request`
// (pass a copy whose request_id field is cleared).
std::string request_fingerprint(const google::protobuf::Message& request,
                                const std::string& caller_id);

// The stored answer for (method, request_id), if any.
std::optional<std::string> find_idempotent_answer(soci::session& sql, const std::string& method,
                                                  const std::string& request_id,
                                                  const std::string& fingerprint);

// The stored (fingerprint, answer) for (method, request_id), without judging
// the fingerprint: for streams whose fingerprint is known only at their end.
std::optional<std::pair<std::string, std::string>> find_idempotent_record(
    soci::session& sql, const std::string& method, const std::string& request_id);

// Records the answer inside the caller's transaction. False when another
// request with the same id got there first (the caller then rolls back and
// reads that answer).
bool record_idempotent_answer(soci::session& sql, const std::string& method,
                              const std::string& request_id, const std::string& fingerprint,
                              const std::string& caller_id, const std::string& answer,
                              TimePoint now);

// Claims (method, request_id) inside the caller's transaction by inserting
// its row before the write. A concurrent twin's claim waits on that row and,
// once the first commits, fails (false): the twin then reads the first
// answer instead of doing the write again.
bool claim_idempotency_key(soci::session& sql, const std::string& method,
                           const std::string& request_id, const std::string& fingerprint,
                           const std::string& caller_id, TimePoint now);
// Stores the answer in the claimed row (same transaction as the write).
void store_idempotent_answer(soci::session& sql, const std::string& method,
                             const std::string& request_id, const std::string& answer);

// Runs `write(session)` -> Response in a transaction, idempotently when
// request_id is set. Response is a protobuf message.
template <typename Response, typename Write>
Response run_idempotent(ConnectionPool& db, const DbBudget& budget,
                        const std::string& method, const std::string& request_id,
                        const std::string& fingerprint, const std::string& caller_id,
                        const Clock& clock, Write&& write) {
  const auto stored_answer = [&](soci::session& sql) -> std::optional<Response> {
    if (auto bytes = find_idempotent_answer(sql, method, request_id, fingerprint)) {
      Response previous;
      if (!previous.ParseFromString(*bytes)) throw std::runtime_error("corrupt idempotent answer");
      return previous;
    }
    return std::nullopt;
  };
  return db.run(
      [&](soci::session& sql) -> Response {
        if (!request_id.empty()) {
          if (auto previous = stored_answer(sql)) return *previous;
        }
        soci::transaction transaction(sql);
        if (!request_id.empty() &&
            !claim_idempotency_key(sql, method, request_id, fingerprint, caller_id, clock.now())) {
          transaction.rollback();
          if (auto previous = stored_answer(sql)) return *previous;
          throw ServiceError(grpc::StatusCode::ABORTED, "CONCURRENT_UPDATE",
                             "a concurrent request with the same request_id failed; retry");
        }
        Response response = write(sql);
        if (!request_id.empty()) {
          store_idempotent_answer(sql, method, request_id, response.SerializeAsString());
        }
        transaction.commit();
        return response;
      },
      budget);
}

}  // namespace salesfollow
