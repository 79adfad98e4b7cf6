#include "contact_protection.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

#include "salesfollow/common/crypto.h"

namespace salesfollow::customer_service {
namespace {

// Splits UTF-8 text into code points (as byte strings); assumes valid UTF-8.
std::vector<std::string_view> code_points(std::string_view text) {
  std::vector<std::string_view> points;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    if (lead >= 0xF0) {
      length = 4;
    } else if (lead >= 0xE0) {
      length = 3;
    } else if (lead >= 0xC0) {
      length = 2;
    }
    length = std::min(length, text.size() - i);
    points.push_back(text.substr(i, length));
    i += length;
  }
  return points;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

std::map<std::string, std::string> ContactKeys::parse_keyring(std::string_view text) {
  std::map<std::string, std::string> keys;
  std::string entry;
  const auto flush = [&] {
    const std::string item = trim(entry);
    entry.clear();
    if (item.empty()) return;
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("contact key entries must look like id=BASE64KEY");
    }
    const std::string id = item.substr(0, eq);
    if (id.size() > 16 || !std::all_of(id.begin(), id.end(), [](unsigned char c) {
          return std::isalnum(c) != 0 || c == '_' || c == '-';
        })) {
      throw std::invalid_argument("contact key id '" + id + "' must be 1-16 of [A-Za-z0-9_-]");
    }
    std::string key;
    try {
      key = crypto::base64_decode(item.substr(eq + 1));
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument("contact key '" + id + "' is not valid base64");
    }
    if (key.size() != 32) {
      throw std::invalid_argument("contact key '" + id + "' must decode to 32 bytes");
    }
    if (!keys.emplace(id, key).second) {
      throw std::invalid_argument("contact key id '" + id + "' appears twice");
    }
  };
  for (const char c : text) {
    if (c == ',' || c == '\n') {
      flush();
    } else {
      entry += c;
    }
  }
  flush();
  return keys;
}

ContactProtector::ContactProtector(ContactKeys keys) : keys_(std::move(keys)) {
  if (keys_.encryption_keys.empty()) throw std::invalid_argument("no contact encryption key");
  if (keys_.encryption_keys.count(keys_.active_key_id) == 0) {
    throw std::invalid_argument("the active contact key id '" + keys_.active_key_id +
                                "' is not in the keyring");
  }
  if (keys_.blind_index_key.size() < 32) {
    throw std::invalid_argument("the blind-index key must hold at least 32 bytes");
  }
}

std::string ContactProtector::seal(std::string_view clear, std::string_view field) const {
  const auto& key = keys_.encryption_keys.at(keys_.active_key_id);
  return keys_.active_key_id + ":" +
         crypto::base64_encode(crypto::aes256gcm_encrypt(key, clear, field));
}

std::string ContactProtector::key_id_of(std::string_view sealed) {
  const auto colon = sealed.find(':');
  return std::string(sealed.substr(0, colon == std::string_view::npos ? 0 : colon));
}

std::string ContactProtector::open(std::string_view sealed, std::string_view field) const {
  const auto colon = sealed.find(':');
  if (colon == std::string_view::npos) throw std::runtime_error("sealed value has no key id");
  const std::string key_id(sealed.substr(0, colon));
  const auto key = keys_.encryption_keys.find(key_id);
  if (key == keys_.encryption_keys.end()) {
    throw std::runtime_error("contact key '" + key_id + "' is not configured");
  }
  return crypto::aes256gcm_decrypt(key->second, crypto::base64_decode(sealed.substr(colon + 1)),
                                   field);
}

std::string ContactProtector::blind_index(std::string_view kind,
                                          std::string_view normalized) const {
  return crypto::to_hex(
      crypto::hmac_sha256(keys_.blind_index_key, std::string(kind) + '\n' + std::string(normalized))
          .substr(0, 16));
}

std::string mask_person_name(std::string_view name) {
  const std::string trimmed = trim(name);  // code_points() views into it
  const auto points = code_points(trimmed);
  if (points.empty()) return {};
  std::string masked(points.front());
  for (std::size_t i = 1; i < points.size(); ++i) masked += '*';
  if (points.size() == 1) masked += '*';
  return masked;
}

std::string mask_phone(std::string_view phone) {
  std::string digits;
  for (const char c : phone) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) digits += c;
  }
  if (digits.size() <= 4) return std::string(digits.size(), '*');
  if (digits.size() < 8)
    return std::string(digits.size() - 2, '*') + digits.substr(digits.size() - 2);
  return digits.substr(0, 3) + std::string(digits.size() - 7, '*') +
         digits.substr(digits.size() - 4);
}

std::string mask_email(std::string_view email) {
  const std::string trimmed = trim(email);
  const auto at = trimmed.find('@');
  if (at == std::string::npos || at == 0) return "***";
  return trimmed.substr(0, 1) + "***" + trimmed.substr(at);
}

std::string mask_wechat(std::string_view wechat_id) {
  const std::string trimmed = trim(wechat_id);  // code_points() views into it
  const auto points = code_points(trimmed);
  if (points.size() <= 3) return std::string(points.size(), '*');
  std::string masked = std::string(points[0]) + std::string(points[1]);
  for (std::size_t i = 2; i + 2 < points.size(); ++i) masked += '*';
  masked += std::string(points[points.size() - 2]) + std::string(points.back());
  return masked;
}

std::string normalize_phone(std::string_view phone) {
  std::string digits;
  for (const char c : phone) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) digits += c;
  }
  if (digits.size() == 13 && digits.rfind("86", 0) == 0) digits.erase(0, 2);
  if (digits.size() == 15 && digits.rfind("0086", 0) == 0) digits.erase(0, 4);
  return digits;
}

std::string normalize_email(std::string_view email) {
  std::string normalized = trim(email);
  std::transform(normalized.begin(), normalized.end(), normalized.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return normalized;
}

std::string normalize_customer_name(std::string_view name) {
  std::string folded;
  bool pending_space = false;
  for (const auto point : code_points(name)) {
    std::string ascii;
    if (point.size() == 3 && static_cast<unsigned char>(point[0]) == 0xE3 &&
        static_cast<unsigned char>(point[1]) == 0x80 &&
        static_cast<unsigned char>(point[2]) == 0x80) {
      ascii = " ";  // U+3000 ideographic space
    } else if (point.size() == 3 && static_cast<unsigned char>(point[0]) == 0xEF) {
      // U+FF01..U+FF5E full-width ASCII -> U+0021..U+007E
      const unsigned code = ((static_cast<unsigned char>(point[0]) & 0x0FU) << 12U) |
                            ((static_cast<unsigned char>(point[1]) & 0x3FU) << 6U) |
                            (static_cast<unsigned char>(point[2]) & 0x3FU);
      if (code >= 0xFF01 && code <= 0xFF5E)
        ascii = std::string(1, static_cast<char>(code - 0xFEE0));
    }
    const std::string piece = ascii.empty() ? std::string(point) : ascii;
    if (piece == " " || piece == "\t" || piece == "\n" || piece == "\r") {
      pending_space = !folded.empty();
      continue;
    }
    if (pending_space) folded += ' ';
    pending_space = false;
    for (const char c : piece) {
      folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return folded;
}

}  // namespace salesfollow::customer_service
