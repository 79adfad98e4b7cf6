// Identity and access: bearer tokens (JWT, HS256, shared secret) and the
// scope rules every service applies.
//
// Claims: sub (user id), name (display name), role (rep | manager | admin |
// service), team (team id), exp (expiry, seconds since epoch; required).
// Scope: a rep sees the customers they own, a manager the customers of their
// team, admin and service everything.
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "salesfollow/common/clock.h"

namespace salesfollow {

enum class Role { rep, manager, admin, service };

std::optional<Role> parse_role(std::string_view text);
const char* role_name(Role role);

struct Caller {
  std::string user_id;
  std::string display_name;
  Role role = Role::rep;
  std::string team_id;

  // May the caller see (and act on) a customer owned by `owner_id` in `team_id`?
  bool can_access(const std::string& owner_id, const std::string& customer_team_id) const;
  bool is_manager_or_above() const {
    return role == Role::manager || role == Role::admin || role == Role::service;
  }
};

// What a caller may see of the customers, as SQL filters: a rep their own
// (owner_id), a manager their team (team_id), admin and service everything
// (both empty).
struct CustomerScope {
  std::string owner_id;
  std::string team_id;
};
CustomerScope scope_of(const Caller& caller);

struct TokenClaims {
  std::string user_id;
  std::string display_name;
  Role role = Role::rep;
  std::string team_id;
  TimePoint expires_at;
};

class TokenVerifier {
 public:
  // `secret` must hold at least 32 bytes; `clock` decides expiry.
  TokenVerifier(std::string secret, const Clock& clock);

  // Reads "authorization: Bearer <jwt>"; throws ServiceError UNAUTHENTICATED
  // (no token, bad signature, wrong algorithm, expired, missing claims).
  Caller authenticate(const grpc::ServerContext& context) const;
  Caller verify(const std::string& token) const;

  // Tokens whose signature and claims were verified are remembered (by the
  // whole token text) so that a client's next calls skip the HMAC and the
  // JSON parse; expiry is still judged by the clock on every call. At most
  // this many are kept; when full, the cache starts over.
  static constexpr std::size_t kMaxCachedTokens = 4096;

 private:
  struct Verified {
    Caller caller;
    TimePoint expires_at;
  };
  Verified decode(const std::string& token) const;

  std::string secret_;
  const Clock& clock_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, Verified> cache_;
};

// Signs a token (for salesfollow-token, tests and the sample data).
std::string sign_token(const TokenClaims& claims, const std::string& secret);

}  // namespace salesfollow
