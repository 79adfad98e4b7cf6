#include "salesfollow/common/auth.h"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "salesfollow/common/errors.h"

namespace salesfollow {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

ServiceError unauthenticated(const std::string& message) {
  return {grpc::StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED", message};
}

constexpr std::size_t kMinimumSecretBytes = 32;

}  // namespace

std::optional<Role> parse_role(std::string_view text) {
  if (text == "rep") return Role::rep;
  if (text == "manager") return Role::manager;
  if (text == "admin") return Role::admin;
  if (text == "service") return Role::service;
  return std::nullopt;
}

const char* role_name(Role role) {
  switch (role) {
    case Role::rep:
      return "rep";
    case Role::manager:
      return "manager";
    case Role::admin:
      return "admin";
    case Role::service:
      return "service";
  }
  return "rep";
}

bool Caller::can_access(const std::string& owner_id, const std::string& customer_team_id) const {
  switch (role) {
    case Role::admin:
    case Role::service:
      return true;
    case Role::manager:
      return customer_team_id == team_id;
    case Role::rep:
      return owner_id == user_id;
  }
  return false;
}

CustomerScope scope_of(const Caller& caller) {
  switch (caller.role) {
    case Role::rep:
      return {caller.user_id, ""};
    case Role::manager:
      return {"", caller.team_id};
    case Role::admin:
    case Role::service:
      return {};
  }
  return {caller.user_id, caller.team_id};
}

TokenVerifier::TokenVerifier(std::string secret, const Clock& clock)
    : secret_(std::move(secret)), clock_(clock) {
  if (secret_.size() < kMinimumSecretBytes) {
    throw std::invalid_argument("the token secret must hold at least 32 bytes");
  }
}

Caller TokenVerifier::authenticate(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find("authorization");
  if (found == metadata.end()) {
    throw unauthenticated("missing bearer token (metadata 'authorization: Bearer <token>')");
  }
  const std::string value(found->second.data(), found->second.size());
  constexpr std::string_view kPrefix = "Bearer ";
  if (value.rfind(kPrefix, 0) != 0) {
    throw unauthenticated("the authorization metadata must be 'Bearer <token>'");
  }
  return verify(value.substr(kPrefix.size()));
}

Caller TokenVerifier::verify(const std::string& token) const {
  std::optional<Verified> verified;
  {
    const std::lock_guard lock(cache_mutex_);
    if (const auto found = cache_.find(token); found != cache_.end()) verified = found->second;
  }
  if (!verified) {
    verified = decode(token);  // throws for every invalid token: those are never cached
    const std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= kMaxCachedTokens) cache_.clear();
    cache_.emplace(token, *verified);
  }
  if (clock_.now() >= verified->expires_at) throw unauthenticated("token expired");
  return verified->caller;
}

TokenVerifier::Verified TokenVerifier::decode(const std::string& token) const {
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token.c_str(),
                 reinterpret_cast<const unsigned char*>(secret_.data()),  // NOLINT
                 static_cast<int>(secret_.size())) != 0 ||
      raw == nullptr) {
    throw unauthenticated("invalid token (malformed or bad signature)");
  }
  const JwtPtr jwt(raw);
  // Only HS256: never let the token choose "none" or another algorithm.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256)
    throw unauthenticated("token algorithm must be HS256");
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  const char* role_text = jwt_get_grant(jwt.get(), "role");
  const char* team = jwt_get_grant(jwt.get(), "team");
  const char* name = jwt_get_grant(jwt.get(), "name");
  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (sub == nullptr || *sub == '\0') throw unauthenticated("token has no subject (sub)");
  if (role_text == nullptr) throw unauthenticated("token has no role");
  const auto role = parse_role(role_text);
  if (!role) throw unauthenticated(std::string("token has an unknown role"));
  if (exp <= 0 || errno == ENOENT) throw unauthenticated("token has no expiry (exp)");
  const TimePoint expires_at{std::chrono::seconds(exp)};
  if ((*role == Role::rep || *role == Role::manager) && (team == nullptr || *team == '\0')) {
    throw unauthenticated("token of a rep or manager needs a team");
  }
  Caller caller;
  caller.user_id = sub;
  caller.display_name = name != nullptr ? name : "";
  caller.role = *role;
  caller.team_id = team != nullptr ? team : "";
  return {std::move(caller), expires_at};
}

std::string sign_token(const TokenClaims& claims, const std::string& secret) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  const JwtPtr jwt(raw);
  jwt_add_grant(jwt.get(), "sub", claims.user_id.c_str());
  jwt_add_grant(jwt.get(), "name", claims.display_name.c_str());
  jwt_add_grant(jwt.get(), "role", role_name(claims.role));
  jwt_add_grant(jwt.get(), "team", claims.team_id.c_str());
  jwt_add_grant_int(
      jwt.get(), "exp",
      std::chrono::duration_cast<std::chrono::seconds>(claims.expires_at.time_since_epoch())
          .count());
  jwt_set_alg(jwt.get(), JWT_ALG_HS256,
              reinterpret_cast<const unsigned char*>(secret.data()),  // NOLINT
              static_cast<int>(secret.size()));
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) throw std::runtime_error("cannot sign the token");
  std::string token(encoded);
  std::free(encoded);  // NOLINT(cppcoreguidelines-no-malloc): libjwt allocates with malloc
  return token;
}

}  // namespace salesfollow
