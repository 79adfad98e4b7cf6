// salesfollow-token: signs a bearer token for a user (development, scripts,
// the sample data). Production tokens come from the company's identity
// provider with the same claims and secret.
#include <iostream>

#include "salesfollow/common/auth.h"
#include "salesfollow/common/options.h"
#include "salesfollow/common/process.h"

int main(int argc, char** argv) {
  using namespace salesfollow;
  Options options("salesfollow-token");
  options.add({"user", "", "user id (sub claim)"});
  options.add({"name", "", "display name"});
  options.add({"role", "rep", "rep, manager, admin or service"});
  options.add({"team", "", "team id (required for rep and manager)"});
  options.add({"ttl", "24h", "how long the token is valid"});
  options.add({"token-secret", "", "shared token secret", true});
  options.add({"token-secret-file", "", "file holding the token secret"});
  try {
    if (!options.parse({argv + 1, argv + argc}, current_environment())) return kExitOk;
    const auto role = parse_role(options.text("role"));
    if (!role) options.add_problem("--role must be rep, manager, admin or service");
    if (options.text("user").empty()) options.add_problem("--user is required");
    const auto ttl = options.duration("ttl", std::chrono::seconds(1), std::chrono::hours(24 * 366));
    const std::string secret = options.secret("token-secret");
    if (secret.size() < 32) options.add_problem("--token-secret must hold at least 32 bytes");
    options.validate();
    const TokenClaims claims{options.text("user"), options.text("name"), *role,
                             options.text("team"), SystemClock().now() + ttl};
    std::cout << sign_token(claims, secret) << "\n";
    return kExitOk;
  } catch (const ConfigError& e) {
    std::cerr << "salesfollow-token: " << e.what() << "\n";
    return kExitBadConfig;
  }
}
