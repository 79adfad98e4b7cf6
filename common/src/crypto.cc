#include "salesfollow/common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace salesfollow::crypto {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kKeyBytes = 32;

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());  // NOLINT
}
unsigned char* bytes_of(std::string& text) {
  return reinterpret_cast<unsigned char*>(text.data());  // NOLINT
}

void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

}  // namespace

std::string sha256(std::string_view bytes) {
  std::string digest(32, '\0');
  unsigned int length = 0;
  check(EVP_Digest(bytes.data(), bytes.size(), bytes_of(digest), &length, EVP_sha256(), nullptr),
        "digest");
  return digest;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    hex += kDigits[byte >> 4U];
    hex += kDigits[byte & 0xFU];
  }
  return hex;
}

std::string sha256_hex(std::string_view bytes) { return to_hex(sha256(bytes)); }

std::string hmac_sha256(std::string_view key, std::string_view message) {
  std::string mac(32, '\0');
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes_of(message),
           message.size(), bytes_of(mac), &length) == nullptr) {
    throw std::runtime_error("OpenSSL: HMAC failed");
  }
  return mac;
}

std::string random_bytes(std::size_t count) {
  std::string bytes(count, '\0');
  check(RAND_bytes(bytes_of(bytes), static_cast<int>(count)), "RAND_bytes");
  return bytes;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(bytes_of(out), bytes_of(bytes), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) throw std::invalid_argument("base64 length is not a multiple of 4");
  std::string out(3 * text.size() / 4, '\0');
  const int written = EVP_DecodeBlock(bytes_of(out), bytes_of(text), static_cast<int>(text.size()));
  if (written < 0) throw std::invalid_argument("malformed base64");
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (auto& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::string base64url_decode(std::string_view text) {
  std::string standard(text);
  for (auto& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      throw std::invalid_argument("not base64url");
    }
  }
  while (standard.size() % 4 != 0) standard += '=';
  return base64_decode(standard);
}

std::string aes256gcm_encrypt(std::string_view key, std::string_view plaintext,
                              std::string_view aad) {
  if (key.size() != kKeyBytes) throw std::invalid_argument("AES-256 needs a 32-byte key");
  const CipherContext context(EVP_CIPHER_CTX_new());
  if (!context) throw std::runtime_error("OpenSSL: EVP_CIPHER_CTX_new failed");
  std::string sealed = random_bytes(kNonceBytes);
  sealed.resize(kNonceBytes + plaintext.size() + kTagBytes);
  check(EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key),
                           bytes_of(std::string_view(sealed).substr(0, kNonceBytes))),
        "encrypt init");
  int length = 0;
  check(EVP_EncryptUpdate(context.get(), nullptr, &length, bytes_of(aad),
                          static_cast<int>(aad.size())),
        "encrypt aad");
  check(EVP_EncryptUpdate(context.get(), bytes_of(sealed) + kNonceBytes, &length,
                          bytes_of(plaintext), static_cast<int>(plaintext.size())),
        "encrypt");
  int final_length = 0;
  check(EVP_EncryptFinal_ex(context.get(), bytes_of(sealed) + kNonceBytes + length, &final_length),
        "encrypt final");
  check(EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                            bytes_of(sealed) + kNonceBytes + plaintext.size()),
        "get tag");
  return sealed;
}

std::string aes256gcm_decrypt(std::string_view key, std::string_view sealed, std::string_view aad) {
  if (key.size() != kKeyBytes) throw std::invalid_argument("AES-256 needs a 32-byte key");
  if (sealed.size() < kNonceBytes + kTagBytes) throw std::runtime_error("ciphertext too short");
  const CipherContext context(EVP_CIPHER_CTX_new());
  if (!context) throw std::runtime_error("OpenSSL: EVP_CIPHER_CTX_new failed");
  const auto nonce = sealed.substr(0, kNonceBytes);
  const auto body = sealed.substr(kNonceBytes, sealed.size() - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  check(
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key), bytes_of(nonce)),
      "decrypt init");
  int length = 0;
  check(EVP_DecryptUpdate(context.get(), nullptr, &length, bytes_of(aad),
                          static_cast<int>(aad.size())),
        "decrypt aad");
  std::string plaintext(body.size(), '\0');
  check(EVP_DecryptUpdate(context.get(), bytes_of(plaintext), &length, bytes_of(body),
                          static_cast<int>(body.size())),
        "decrypt");
  check(EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, bytes_of(tag)),
        "set tag");
  int final_length = 0;
  if (EVP_DecryptFinal_ex(context.get(), bytes_of(plaintext) + length, &final_length) != 1) {
    throw std::runtime_error("ciphertext does not authenticate (wrong key or tampered)");
  }
  return plaintext;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace salesfollow::crypto
