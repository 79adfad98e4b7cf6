// Personal contact data (contact name, phone, email, WeChat id) at rest:
// encrypted with AES-256-GCM under a key id (so keys can rotate: new rows use
// the active key, old rows stay readable with theirs), masked for display,
// and indexed by a keyed HMAC ("blind index") so that duplicates are found
// without decrypting rows. Keys never come from the database.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "salesfollow/common/text.h"

namespace salesfollow::customer_service {

struct ContactKeys {
  // key id -> 32-byte key
  std::map<std::string, std::string> encryption_keys;
  std::string active_key_id;
  std::string blind_index_key;  // at least 32 bytes

  // Parses "id1=BASE64KEY,id2=BASE64KEY" (commas or newlines). Throws
  // std::invalid_argument naming the problem (never the key material).
  static std::map<std::string, std::string> parse_keyring(std::string_view text);
};

class ContactProtector {
 public:
  explicit ContactProtector(ContactKeys keys);  // throws std::invalid_argument

  // "key_id:base64(nonce|ciphertext|tag)"; `field` is bound as associated data
  // so a value cannot be moved to another column.
  std::string seal(std::string_view clear, std::string_view field) const;
  // Throws std::runtime_error for an unknown key id or a value that does not authenticate.
  std::string open(std::string_view sealed, std::string_view field) const;
  static std::string key_id_of(std::string_view sealed);

  // 32 hex characters of HMAC-SHA256(blind index key, kind + normalized value).
  std::string blind_index(std::string_view kind, std::string_view normalized) const;

 private:
  ContactKeys keys_;
};

// Masking for display.
std::string mask_person_name(std::string_view name);  // "李四" -> "李*", "Alice" -> "A****"
std::string mask_phone(std::string_view phone);       // "13912346789" -> "139****6789"
std::string mask_email(std::string_view email);       // "li@example.com" -> "l***@example.com"
std::string mask_wechat(std::string_view wechat_id);  // "wx_lisi88" -> "wx*****88"

// Normal forms for duplicate detection.
std::string normalize_phone(std::string_view phone);  // digits only, "+86"/"86" prefix dropped
std::string normalize_email(std::string_view email);  // trimmed, lower case
// Trimmed, inner whitespace collapsed, full-width ASCII folded to half-width,
// ASCII lower-cased: "  科技 有限公司 " and "科技　有限公司" match.
std::string normalize_customer_name(std::string_view name);

}  // namespace salesfollow::customer_service
