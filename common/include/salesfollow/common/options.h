// Command-line and environment options (12-factor).
//
// Every option has a flag (--db-host), an environment variable
// (SALESFOLLOW_DB_HOST) and a default; the flag wins over the environment,
// which wins over the default. Values are validated by the typed getters, and
// all problems are reported together (ConfigError) so that an operator fixes a
// broken deployment in one round.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace salesfollow {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::vector<std::string>& problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

struct OptionSpec {
  std::string name;           // flag name without dashes: "db-host"
  std::string default_value;  // as text; "" means empty/unset
  std::string help;
  bool secret = false;     // never printed (not in --help defaults, not in logs)
  bool is_switch = false;  // a boolean flag that may be given without a value
};

// Parsed, not yet validated option values.
class Options {
 public:
  explicit Options(std::string program);

  void add(OptionSpec spec);

  // Reads argv and the environment (`environment` maps variable names to
  // values; pass current_environment() in production). Throws ConfigError for
  // unknown flags and missing values. Returns false when --help or --version was
  // asked for and has been answered on stdout.
  bool parse(const std::vector<std::string>& args,
             const std::map<std::string, std::string>& environment);

  std::string text(const std::string& name) const;
  // The getters record a problem (and return a harmless value) instead of
  // throwing, so that validate() can report every bad option at once.
  std::int64_t integer(const std::string& name, std::int64_t min, std::int64_t max);
  bool boolean(const std::string& name);
  std::chrono::milliseconds duration(const std::string& name, std::chrono::milliseconds min,
                                     std::chrono::milliseconds max);
  // The value of `name`, or the contents of the file named by `name`-file
  // (trailing newline removed) when that option is set.
  std::string secret(const std::string& name);

  void add_problem(std::string problem) { problems_.push_back(std::move(problem)); }
  // Throws ConfigError when any getter or add_problem recorded a problem.
  void validate() const;

  std::string help_text() const;
  std::string env_name(const std::string& name) const;
  // Where a value came from: "flag", "env" or "default" (for start-up logs).
  std::string source_of(const std::string& name) const;
  const std::vector<OptionSpec>& specs() const { return specs_; }

 private:
  const OptionSpec& spec(const std::string& name) const;

  std::string program_;
  std::vector<OptionSpec> specs_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> sources_;
  std::vector<std::string> problems_;
};

std::map<std::string, std::string> current_environment();

// "250ms", "5s", "2m", "1h"; a bare number is seconds.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

}  // namespace salesfollow
