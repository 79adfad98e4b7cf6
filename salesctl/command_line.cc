#include "command_line.h"

#include <fmt/format.h>

#include <algorithm>

#include "table.h"

namespace salesfollow::salesctl {

CommandLine::CommandLine(std::string program, std::vector<FlagSpec> global_flags)
    : program_(std::move(program)), global_flags_(std::move(global_flags)) {}

void CommandLine::add(CommandSpec command) { commands_.push_back(std::move(command)); }

const FlagSpec* CommandLine::find_flag(const CommandSpec* command, const std::string& name) const {
  if (command != nullptr) {
    for (const auto& f : command->flags)
      if (f.name == name) return &f;
  }
  for (const auto& f : global_flags_)
    if (f.name == name) return &f;
  return nullptr;
}

const FlagSpec* CommandLine::find_short(const CommandSpec* command, char name) const {
  if (command != nullptr) {
    for (const auto& f : command->flags)
      if (f.short_name == name) return &f;
  }
  for (const auto& f : global_flags_)
    if (f.short_name == name) return &f;
  return nullptr;
}

Invocation CommandLine::parse(const std::vector<std::string>& args) const {
  // Pass 1: the command words are the leading non-flag tokens (global flags
  // may come before them) that name a command.
  std::vector<std::string> words;
  std::vector<bool> is_word(args.size(), false);
  const CommandSpec* command = nullptr;
  bool help = false;
  for (std::size_t i = 0; i < args.size() && command == nullptr; ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      continue;
    }
    if (arg == "--") break;
    if (arg.size() > 1 && arg[0] == '-') {
      // A global flag: skip its value when it is given separately.
      const FlagSpec* flag = nullptr;
      if (arg.rfind("--", 0) == 0) {
        const std::string name = arg.substr(
            2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2);
        flag = find_flag(nullptr, name);
        if (flag != nullptr && !flag->value_name.empty() && arg.find('=') == std::string::npos) ++i;
      } else if (arg.size() == 2) {
        flag = find_short(nullptr, arg[1]);
        if (flag != nullptr && !flag->value_name.empty()) ++i;
      }
      continue;
    }
    words.push_back(arg);
    is_word[i] = true;
    std::string path;
    for (const auto& w : words) path += (path.empty() ? "" : " ") + w;
    bool prefix_of_some = false;
    for (const auto& c : commands_) {
      if (c.path == path) command = &c;
      if (c.path.rfind(path + " ", 0) == 0) prefix_of_some = true;
    }
    if (command == nullptr && !prefix_of_some) {
      throw UsageError(fmt::format("unknown command '{}' (see {} --help)", path, program_));
    }
  }
  Invocation invocation;
  invocation.command = command;
  if (command == nullptr) {
    // No complete command: help for the program or the group named so far.
    invocation.help = true;
    if (words.empty()) {
      invocation.help_text = overview();
    } else {
      std::string group;
      for (const auto& w : words) group += (group.empty() ? "" : " ") + w;
      invocation.help_text = group_help(group);
      if (!help)
        throw UsageError(fmt::format("'{}' needs a sub-command:\n{}", group, invocation.help_text));
    }
    return invocation;
  }
  // Pass 2: flags and arguments with the command's own flags known.
  bool flags_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (is_word[i]) continue;
    const std::string& arg = args[i];
    if (flags_ended || arg.size() < 2 || arg[0] != '-') {
      invocation.args.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      invocation.help = true;
      continue;
    }
    std::string name;
    std::optional<std::string> value;
    const FlagSpec* flag = nullptr;
    if (arg.rfind("--", 0) == 0) {
      name = arg.substr(2);
      if (const auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      flag = find_flag(command, name);
    } else if (arg.size() == 2) {
      flag = find_short(command, arg[1]);
      name = flag != nullptr ? flag->name : arg.substr(1);
    } else {
      // A negative number or "-x..." is an argument, not a flag.
      invocation.args.push_back(arg);
      continue;
    }
    if (flag == nullptr) {
      throw UsageError(fmt::format("unknown flag {} for '{}' (see {} {} --help)", arg,
                                   command->path, program_, command->path));
    }
    if (flag->value_name.empty()) {
      if (value && *value != "true" && *value != "false")
        throw UsageError(fmt::format("--{} takes no value", flag->name));
      if (!value || *value == "true") invocation.flags[flag->name] = "true";
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size())
        throw UsageError(fmt::format("--{} needs a value ({})", flag->name, flag->value_name));
      value = args[++i];
    }
    invocation.flags[flag->name] = *value;
  }
  if (help || invocation.help) {
    invocation.help = true;
    invocation.help_text = this->help(*command);
    return invocation;
  }
  if (invocation.args.size() < command->min_args || invocation.args.size() > command->max_args) {
    throw UsageError(fmt::format("usage: {} {}{}{} (see --help)", program_, command->path,
                                 command->args.empty() ? "" : " ", command->args));
  }
  return invocation;
}

std::string CommandLine::flag_lines(const std::vector<FlagSpec>& flags) const {
  std::string out;
  std::size_t width = 0;
  std::vector<std::string> names;
  for (const auto& f : flags) {
    std::string name =
        f.short_name != 0 ? fmt::format("-{}, --{}", f.short_name, f.name) : "    --" + f.name;
    if (!f.value_name.empty()) name += " " + f.value_name;
    width = std::max(width, display_width(name));
    names.push_back(std::move(name));
  }
  for (std::size_t i = 0; i < flags.size(); ++i) {
    out += "  " + names[i] + std::string(width - display_width(names[i]) + 2, ' ') + flags[i].help +
           "\n";
  }
  return out;
}

std::string CommandLine::overview() const {
  std::string out = fmt::format(
      "{0} — the sales follow-up system from the command line.\n\n"
      "Usage: {0} [flags] COMMAND [ARGS] [flags]\n\nCommands:\n",
      program_);
  std::size_t width = 0;
  for (const auto& c : commands_) width = std::max(width, c.path.size());
  for (const auto& c : commands_)
    out += "  " + c.path + std::string(width - c.path.size() + 2, ' ') + c.summary + "\n";
  out += "\nConnection and output flags (every command):\n" + flag_lines(global_flags_);
  out += fmt::format(
      "\n`{0} COMMAND --help` explains one command; docs/SALESCTL.md has the details "
      "(config file, environment, exit codes).\n",
      program_);
  return out;
}

std::string CommandLine::help(const CommandSpec& command) const {
  std::string out = fmt::format("Usage: {} {}{}{} [flags]\n\n{}\n", program_, command.path,
                                command.args.empty() ? "" : " ", command.args, command.summary);
  if (!command.details.empty()) out += "\n" + command.details + "\n";
  if (!command.flags.empty()) out += "\nFlags:\n" + flag_lines(command.flags);
  out += "\nConnection and output flags:\n" + flag_lines(global_flags_);
  return out;
}

std::string CommandLine::group_help(const std::string& group) const {
  std::string out =
      fmt::format("Usage: {} {} ACTION [ARGS] [flags]\n\nActions:\n", program_, group);
  std::size_t width = 0;
  for (const auto& c : commands_)
    if (c.path.rfind(group + " ", 0) == 0) width = std::max(width, c.path.size());
  for (const auto& c : commands_) {
    if (c.path.rfind(group + " ", 0) != 0) continue;
    out += "  " + c.path + std::string(width - c.path.size() + 2, ' ') + c.summary + "\n";
  }
  return out;
}

}  // namespace salesfollow::salesctl
