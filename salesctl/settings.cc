#include "settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "salesfollow/common/options.h"

namespace salesfollow::salesctl {
namespace {

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

std::string read_text_file(const std::filesystem::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read {} {}", what, path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool truthy(const std::string& key, const std::string& value) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off" || v.empty()) return false;
  throw UsageError(fmt::format("{} must be true or false, got '{}'", key, value));
}

}  // namespace

std::vector<FlagSpec> global_flags() {
  return {
      {"config", "FILE", "config file (default $SALESCTL_CONFIG or ~/.config/salesctl/config)"},
      {"server", "HOST", "host of all three services on their default ports 50051-50053"},
      {"customer-service", "ADDR", "customer-service address (default 127.0.0.1:50051)"},
      {"followup-service", "ADDR", "followup-service address (default 127.0.0.1:50052)"},
      {"report-service", "ADDR", "report-worker address (default 127.0.0.1:50053)"},
      {"token", "JWT", "bearer token (prefer --token-file or SALESCTL_TOKEN)"},
      {"token-file", "FILE", "file holding the bearer token"},
      {"tls", "", "connect with TLS"},
      {"ca-file", "FILE", "PEM roots to verify the server (default: the system's)"},
      {"cert-file", "FILE", "PEM client certificate (mutual TLS)"},
      {"key-file", "FILE", "PEM client private key (mutual TLS)"},
      {"server-name-override", "NAME", "TLS server name to verify instead of the host"},
      {"output", "FORMAT", "table (default) or json", 'o'},
      {"timeout", "SECONDS", "deadline of each call (default 30)"},
      {"time-zone", "ZONE", "zone for times shown and typed (default Asia/Shanghai)"},
  };
}

std::string env_name(const std::string& key) {
  std::string out = "SALESCTL_";
  for (const char c : key)
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::map<std::string, std::string> parse_config(std::string_view text, const std::string& origin) {
  std::map<std::string, std::string> values;
  const auto flags = global_flags();
  std::size_t line_number = 0;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    const std::string content = trim(line);
    if (content.empty() || content[0] == '#') continue;
    const auto eq = content.find('=');
    if (eq == std::string::npos)
      throw UsageError(fmt::format("{}:{}: expected 'key = value'", origin, line_number));
    const std::string key = trim(content.substr(0, eq));
    std::string value = trim(content.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    const bool known = std::any_of(flags.begin(), flags.end(), [&](const FlagSpec& f) {
      return f.name == key && f.name != "config";
    });
    if (!known) throw UsageError(fmt::format("{}:{}: unknown key '{}'", origin, line_number, key));
    values[key] = value;
  }
  return values;
}

std::optional<std::filesystem::path> config_path(const Invocation& invocation,
                                                 const std::map<std::string, std::string>& env) {
  if (invocation.has("config")) return std::filesystem::path(invocation.get("config"));
  if (const auto found = env.find("SALESCTL_CONFIG"); found != env.end() && !found->second.empty())
    return std::filesystem::path(found->second);
  std::filesystem::path base;
  if (const auto xdg = env.find("XDG_CONFIG_HOME"); xdg != env.end() && !xdg->second.empty()) {
    base = xdg->second;
  } else if (const auto home = env.find("HOME"); home != env.end() && !home->second.empty()) {
    base = std::filesystem::path(home->second) / ".config";
  } else {
    return std::nullopt;
  }
  const auto path = base / "salesctl" / "config";
  std::error_code ignored;
  return std::filesystem::exists(path, ignored) ? std::optional(path) : std::nullopt;
}

Settings resolve_settings(const Invocation& invocation,
                          const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> file_values;
  if (const auto path = config_path(invocation, env)) {
    file_values = parse_config(read_text_file(*path, "config file"), path->string());
  }
  // flag > environment > config file.
  const auto value = [&](const std::string& key) -> std::optional<std::string> {
    if (invocation.has(key)) return invocation.get(key);
    if (const auto e = env.find(env_name(key)); e != env.end()) return e->second;
    if (const auto f = file_values.find(key); f != file_values.end()) return f->second;
    return std::nullopt;
  };
  Settings settings;
  if (const auto server = value("server")) {
    settings.customer_service = *server + ":50051";
    settings.followup_service = *server + ":50052";
    settings.report_service = *server + ":50053";
  }
  if (const auto v = value("customer-service")) settings.customer_service = *v;
  if (const auto v = value("followup-service")) settings.followup_service = *v;
  if (const auto v = value("report-service")) settings.report_service = *v;
  if (const auto v = value("token")) settings.token = *v;
  if (const auto v = value("token-file"); v && !invocation.has("token")) {
    settings.token = read_text_file(*v, "token file");
  }
  settings.token = trim(settings.token);
  while (!settings.token.empty() && settings.token.back() == '\n') settings.token.pop_back();
  if (const auto v = value("tls")) settings.tls = truthy("--tls", *v);
  if (const auto v = value("ca-file")) settings.ca_file = *v;
  if (const auto v = value("cert-file")) settings.cert_file = *v;
  if (const auto v = value("key-file")) settings.key_file = *v;
  if (const auto v = value("server-name-override")) settings.server_name_override = *v;
  if (!settings.tls && (!settings.ca_file.empty() || !settings.cert_file.empty() ||
                        !settings.key_file.empty() || !settings.server_name_override.empty())) {
    throw UsageError("--ca-file, --cert-file, --key-file and --server-name-override need --tls");
  }
  if (settings.cert_file.empty() != settings.key_file.empty())
    throw UsageError("--cert-file and --key-file go together");
  if (const auto v = value("output")) {
    if (*v == "json") {
      settings.json = true;
    } else if (*v != "table") {
      throw UsageError(fmt::format("--output must be table or json, got '{}'", *v));
    }
  }
  if (const auto v = value("timeout")) {
    const auto parsed = parse_duration(*v);
    if (!parsed || parsed->count() <= 0)
      throw UsageError(fmt::format("--timeout must be a duration such as 30 or 2m, got '{}'", *v));
    settings.timeout = std::max(std::chrono::seconds(1),
                                std::chrono::duration_cast<std::chrono::seconds>(*parsed));
  }
  if (const auto v = value("time-zone")) settings.time_zone = *v;
  return settings;
}

}  // namespace salesfollow::salesctl
