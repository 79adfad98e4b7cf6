// Where the services are and who is calling: from flags, else environment
// variables (SALESCTL_*), else a config file, else the defaults of a local
// system started by scripts/start-all.sh.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command_line.h"

namespace salesfollow::salesctl {

struct Settings {
  std::string customer_service = "127.0.0.1:50051";
  std::string followup_service = "127.0.0.1:50052";
  std::string report_service = "127.0.0.1:50053";
  std::string token;
  bool tls = false;
  std::string ca_file, cert_file, key_file, server_name_override;
  bool json = false;
  std::chrono::seconds timeout{30};
  std::string time_zone = "Asia/Shanghai";
};

// The global flags every command accepts (also the config file's keys,
// except --config itself).
std::vector<FlagSpec> global_flags();

// "key = value" lines; '#' starts a comment line; keys are the global flag
// names. Throws UsageError naming the line of a malformed entry or unknown key.
std::map<std::string, std::string> parse_config(std::string_view text, const std::string& origin);

// "customer-service" -> "SALESCTL_CUSTOMER_SERVICE".
std::string env_name(const std::string& key);

// The config file to read: --config, else $SALESCTL_CONFIG, else
// $XDG_CONFIG_HOME/salesctl/config or ~/.config/salesctl/config when it exists.
std::optional<std::filesystem::path> config_path(const Invocation& invocation,
                                                 const std::map<std::string, std::string>& env);

// Throws UsageError for bad values (unknown output format, unreadable token
// file, TLS files without --tls, ...).
Settings resolve_settings(const Invocation& invocation,
                          const std::map<std::string, std::string>& env);

}  // namespace salesfollow::salesctl
