#include "salesfollow/common/page_token.h"

#include "salesfollow/common/crypto.h"
#include "salesfollow/common/errors.h"

namespace salesfollow {
namespace {

constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kMaxTokenLength = 4096;

ServiceError bad_token(const std::string& why) { return invalid_field("page_token", why); }

}  // namespace

PageTokenCodec::PageTokenCodec(std::string secret) : secret_(std::move(secret)) {}

std::string PageTokenCodec::encode(const nlohmann::json& cursor,
                                   std::string_view query_fingerprint) const {
  const std::string payload = cursor.dump();
  const std::string mac =
      crypto::hmac_sha256(secret_, payload + '\n' + std::string(query_fingerprint))
          .substr(0, kMacBytes);
  return crypto::base64url_encode(payload) + "." + crypto::base64url_encode(mac);
}

nlohmann::json PageTokenCodec::decode(std::string_view token,
                                      std::string_view query_fingerprint) const {
  if (token.size() > kMaxTokenLength) throw bad_token("is too long");
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) throw bad_token("is not a token issued by this service");
  std::string payload;
  std::string mac;
  try {
    payload = crypto::base64url_decode(token.substr(0, dot));
    mac = crypto::base64url_decode(token.substr(dot + 1));
  } catch (const std::invalid_argument&) {
    throw bad_token("is not a token issued by this service");
  }
  const std::string expected =
      crypto::hmac_sha256(secret_, payload + '\n' + std::string(query_fingerprint))
          .substr(0, kMacBytes);
  if (!crypto::constant_time_equal(mac, expected)) {
    throw bad_token(
        "was not issued for this query (filter, order or caller differ) or was altered");
  }
  try {
    return nlohmann::json::parse(payload);
  } catch (const nlohmann::json::exception&) {
    throw bad_token("is malformed");
  }
}

int checked_page_size(int requested, int fallback, int maximum) {
  if (requested < 0) throw invalid_field("page_size", "must not be negative");
  if (requested == 0) return fallback;
  return std::min(requested, maximum);
}

}  // namespace salesfollow
