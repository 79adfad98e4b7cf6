// salesctl as a function: parses the command line, resolves the settings,
// runs the command and turns every failure into a message on `err` and an
// exit code (exit_codes.h). main() only passes the process's streams.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "command_line.h"

namespace salesfollow::salesctl {

// Every command of salesctl.
CommandLine make_command_line();

int run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
        std::ostream& out, std::ostream& err, bool stderr_is_terminal);

}  // namespace salesfollow::salesctl
