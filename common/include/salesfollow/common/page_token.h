// Opaque page tokens: a cursor (JSON) signed with HMAC-SHA256 together with a
// fingerprint of the query (filter, order, caller, ...). A token that was
// forged, altered, or issued for other parameters is refused with
// INVALID_ARGUMENT.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace salesfollow {

class PageTokenCodec {
 public:
  explicit PageTokenCodec(std::string secret);

  std::string encode(const nlohmann::json& cursor, std::string_view query_fingerprint) const;
  // Throws ServiceError INVALID_ARGUMENT naming "page_token".
  nlohmann::json decode(std::string_view token, std::string_view query_fingerprint) const;

 private:
  std::string secret_;
};

// Page size rules shared by every List method: 0 means `fallback`, negative
// is INVALID_ARGUMENT, larger than `maximum` is clamped (AIP-158).
int checked_page_size(int requested, int fallback, int maximum);

}  // namespace salesfollow
