#include "salesfollow/common/options.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>

#include "salesfollow/common/version.h"

extern char** environ;  // NOLINT: POSIX

namespace salesfollow {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "\n  - " + line;
  return out;
}

}  // namespace

ConfigError::ConfigError(const std::vector<std::string>& problems)
    : std::runtime_error("invalid configuration:" + join_lines(problems)), problems_(problems) {}

Options::Options(std::string program) : program_(std::move(program)) {}

void Options::add(OptionSpec spec) {
  values_[spec.name] = spec.default_value;
  sources_[spec.name] = "default";
  specs_.push_back(std::move(spec));
}

std::string Options::env_name(const std::string& name) const {
  std::string env = "SALESFOLLOW_";
  for (const char c : name) {
    env += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return env;
}

const OptionSpec& Options::spec(const std::string& name) const {
  const auto found = std::find_if(specs_.begin(), specs_.end(),
                                  [&](const OptionSpec& s) { return s.name == name; });
  if (found == specs_.end()) throw std::logic_error("option not declared: " + name);
  return *found;
}

bool Options::parse(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& environment) {
  for (const auto& s : specs_) {
    if (const auto env = environment.find(env_name(s.name)); env != environment.end()) {
      values_[s.name] = env->second;
      sources_[s.name] = "env";
    }
  }
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << help_text();
      return false;
    }
    if (arg == "--version") {
      std::cout << program_ << ' ' << kVersion << '\n';
      return false;
    }
    if (arg.rfind("--", 0) != 0) {
      problems.push_back(fmt::format("unexpected argument '{}' (options start with --)", arg));
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const auto found = std::find_if(specs_.begin(), specs_.end(),
                                    [&](const OptionSpec& s) { return s.name == name; });
    if (found == specs_.end()) {
      problems.push_back(fmt::format("unknown option --{} (see --help)", name));
      continue;
    }
    if (!value) {
      if (found->is_switch) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        problems.push_back(fmt::format("option --{} needs a value", name));
        continue;
      }
    }
    values_[name] = *value;
    sources_[name] = "flag";
  }
  if (!problems.empty()) throw ConfigError(problems);
  return true;
}

std::string Options::text(const std::string& name) const {
  spec(name);
  return values_.at(name);
}

std::int64_t Options::integer(const std::string& name, std::int64_t min, std::int64_t max) {
  const std::string value = text(name);
  std::int64_t parsed = 0;
  std::size_t used = 0;
  try {
    parsed = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (value.empty() || used != value.size()) {
    add_problem(fmt::format("--{} ({}) must be an integer, got '{}'", name, env_name(name), value));
    return min;
  }
  if (parsed < min || parsed > max) {
    add_problem(fmt::format("--{} ({}) must be between {} and {}, got {}", name, env_name(name),
                            min, max, parsed));
    return min;
  }
  return parsed;
}

bool Options::boolean(const std::string& name) {
  std::string value = text(name);
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off" || value.empty()) {
    return false;
  }
  add_problem(
      fmt::format("--{} ({}) must be true or false, got '{}'", name, env_name(name), value));
  return false;
}

std::chrono::milliseconds Options::duration(const std::string& name, std::chrono::milliseconds min,
                                            std::chrono::milliseconds max) {
  const std::string value = text(name);
  const auto parsed = parse_duration(value);
  if (!parsed) {
    add_problem(fmt::format("--{} ({}) must be a duration such as 500ms, 5s or 2m, got '{}'", name,
                            env_name(name), value));
    return min;
  }
  if (*parsed < min || *parsed > max) {
    add_problem(fmt::format("--{} ({}) must be between {}ms and {}ms, got {}", name, env_name(name),
                            min.count(), max.count(), value));
    return min;
  }
  return *parsed;
}

std::string Options::secret(const std::string& name) {
  const std::string file = text(name + "-file");
  if (file.empty()) return text(name);
  std::ifstream in(file);
  if (!in) {
    add_problem(fmt::format("--{}-file: cannot read '{}'", name, file));
    return {};
  }
  std::stringstream contents;
  contents << in.rdbuf();
  std::string value = contents.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

void Options::validate() const {
  if (!problems_.empty()) throw ConfigError(problems_);
}

std::string Options::source_of(const std::string& name) const { return sources_.at(name); }

std::string Options::help_text() const {
  std::string out = fmt::format(
      "Usage: {} [--option=value ...]\n\n"
      "Every option can also be set through the environment variable shown;\n"
      "a flag wins over the environment.\n\nOptions:\n",
      program_);
  for (const auto& s : specs_) {
    out += fmt::format("  --{:<26} {}\n", s.name + (s.is_switch ? "" : "=VALUE"), s.help);
    std::string shown_default = s.secret ? "(secret, not shown)" : s.default_value;
    if (shown_default.empty()) shown_default = "(empty)";
    out += fmt::format("  {:<28} env {}, default {}\n", "", env_name(s.name), shown_default);
  }
  out +=
      "  --help                     print this text\n  --version                  print the "
      "version\n";
  return out;
}

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (const auto eq = text.find('='); eq != std::string::npos) {
      env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
  }
  return env;
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  const auto number = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(number);
  if (unit == "s" || unit.empty()) return std::chrono::seconds(number);
  if (unit == "m") return std::chrono::minutes(number);
  if (unit == "h") return std::chrono::hours(number);
  return std::nullopt;
}

}  // namespace salesfollow
