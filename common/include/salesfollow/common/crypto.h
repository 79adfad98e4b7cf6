// Small, audited-by-many building blocks over OpenSSL's EVP interface.
#pragma once

#include <string>
#include <string_view>

namespace salesfollow::crypto {

std::string sha256(std::string_view bytes);                               // 32 raw bytes
std::string sha256_hex(std::string_view bytes);                           // 64 hex characters
std::string hmac_sha256(std::string_view key, std::string_view message);  // 32 raw bytes
std::string random_bytes(std::size_t count);
std::string to_hex(std::string_view bytes);

std::string base64_encode(std::string_view bytes);     // standard alphabet, padded
std::string base64url_encode(std::string_view bytes);  // URL-safe, unpadded
// Both throw std::invalid_argument on malformed input.
std::string base64_decode(std::string_view text);
std::string base64url_decode(std::string_view text);

// AES-256-GCM with a random 96-bit nonce: returns nonce || ciphertext || tag.
// `aad` is authenticated but not encrypted (binds a value to its use).
std::string aes256gcm_encrypt(std::string_view key, std::string_view plaintext,
                              std::string_view aad);
// Throws std::runtime_error when the tag does not verify.
std::string aes256gcm_decrypt(std::string_view key, std::string_view sealed, std::string_view aad);

// Compares without leaking the position of the first difference.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace salesfollow::crypto
