// The command tree of salesctl and the parsing of one command line:
//   salesctl [global flags] GROUP [ACTION] [ARGS...] [flags]
// Flags may come anywhere after the program name, as --name=value,
// --name value, or -o json; "--" ends the flags. Every command answers
// --help with its usage, arguments and flags.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace salesfollow::salesctl {

struct FlagSpec {
  std::string name;        // without dashes: "owner"
  std::string value_name;  // "ID"; empty for a switch (--all)
  std::string help;
  char short_name = 0;  // 'o' for -o
};

struct Invocation;
class Context;
using Handler = std::function<int(Context&, const Invocation&)>;

struct CommandSpec {
  std::string path;     // "customer add"
  std::string args;     // "NAME [FILE]" for the usage line
  std::string summary;  // one line
  std::string details;  // paragraphs for --help (may be empty)
  std::vector<FlagSpec> flags;
  std::size_t min_args = 0;
  std::size_t max_args = 0;
  Handler handler;
};

// A usage error: exit code 2, the message and a pointer to --help.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Invocation {
  const CommandSpec* command = nullptr;  // null when only help was asked for
  std::vector<std::string> args;
  std::map<std::string, std::string> flags;  // switches hold "true"
  bool help = false;
  std::string help_text;  // what to print when `help` is set

  bool has(const std::string& name) const { return flags.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    const auto found = flags.find(name);
    return found == flags.end() ? fallback : found->second;
  }
};

class CommandLine {
 public:
  CommandLine(std::string program, std::vector<FlagSpec> global_flags);
  void add(CommandSpec command);

  // Throws UsageError for an unknown command or flag, a missing value or the
  // wrong number of arguments.
  Invocation parse(const std::vector<std::string>& args) const;

  std::string overview() const;  // the program's --help
  std::string help(const CommandSpec& command) const;
  // Commands whose path starts with `prefix` ("customer"): a group's --help.
  std::string group_help(const std::string& group) const;
  const std::vector<CommandSpec>& commands() const { return commands_; }

 private:
  const FlagSpec* find_flag(const CommandSpec* command, const std::string& name) const;
  const FlagSpec* find_short(const CommandSpec* command, char name) const;
  std::string flag_lines(const std::vector<FlagSpec>& flags) const;

  std::string program_;
  std::vector<FlagSpec> global_flags_;
  std::vector<CommandSpec> commands_;
};

}  // namespace salesfollow::salesctl
