#include "salesfollow/common/idempotency.h"

#include <soci/mysql/soci-mysql.h>

#include "salesfollow/common/crypto.h"

namespace salesfollow {

void check_request_id(const std::string& request_id) {
  if (request_id.size() > 128) throw invalid_field("request_id", "must be at most 128 characters");
  for (const char c : request_id) {
    if (c <= 32 || c >= 127) {
      throw invalid_field("request_id", "must be printable ASCII without spaces (e.g. a UUID)");
    }
  }
}

std::string request_fingerprint(const google::protobuf::Message& request,
                                const std::string& caller_id) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  {
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return crypto::sha256_hex(caller_id + '\n' + request.GetTypeName() + '\n' + bytes);
}

std::optional<std::pair<std::string, std::string>> find_idempotent_record(
    soci::session& sql, const std::string& method, const std::string& request_id) {
  std::string stored_fingerprint;
  std::string answer;
  sql << "SELECT request_hash, response FROM idempotency_keys "
         "WHERE method = :method AND request_id = :request_id",
      soci::use(method), soci::use(request_id), soci::into(stored_fingerprint), soci::into(answer);
  if (!sql.got_data()) return std::nullopt;
  return std::make_pair(stored_fingerprint, crypto::base64_decode(answer));
}

std::optional<std::string> find_idempotent_answer(soci::session& sql, const std::string& method,
                                                  const std::string& request_id,
                                                  const std::string& fingerprint) {
  auto record = find_idempotent_record(sql, method, request_id);
  if (!record) return std::nullopt;
  if (record->first != fingerprint) {
    throw invalid_field("request_id", "was already used for a different request");
  }
  return record->second;
}

bool record_idempotent_answer(soci::session& sql, const std::string& method,
                              const std::string& request_id, const std::string& fingerprint,
                              const std::string& caller_id, const std::string& answer,
                              TimePoint now) {
  const std::string encoded = crypto::base64_encode(answer);
  const std::string created_at = to_sql_datetime(now);
  try {
    sql << "INSERT INTO idempotency_keys (method, request_id, request_hash, caller_id, response, "
           "created_at) VALUES (:method, :request_id, :hash, :caller, :response, :created_at)",
        soci::use(method), soci::use(request_id), soci::use(fingerprint), soci::use(caller_id),
        soci::use(encoded), soci::use(created_at);
    return true;
  } catch (const soci::mysql_soci_error& e) {
    if (e.err_num_ == 1062) return false;  // ER_DUP_ENTRY: a concurrent twin committed first
    throw;
  }
}

bool claim_idempotency_key(soci::session& sql, const std::string& method,
                           const std::string& request_id, const std::string& fingerprint,
                           const std::string& caller_id, TimePoint now) {
  return record_idempotent_answer(sql, method, request_id, fingerprint, caller_id, "", now);
}

void store_idempotent_answer(soci::session& sql, const std::string& method,
                             const std::string& request_id, const std::string& answer) {
  const std::string encoded = crypto::base64_encode(answer);
  sql << "UPDATE idempotency_keys SET response = :response WHERE method = :method AND "
         "request_id = :request_id",
      soci::use(encoded), soci::use(method), soci::use(request_id);
}

}  // namespace salesfollow
