#include "app.h"

#include "commands.h"
#include "exit_codes.h"
#include "settings.h"

namespace salesfollow::salesctl {

CommandLine make_command_line() {
  CommandLine commands("salesctl", global_flags());
  add_customer_commands(commands);
  add_followup_commands(commands);
  add_list_commands(commands);
  add_dictionary_commands(commands);
  add_transfer_commands(commands);
  add_report_commands(commands);
  return commands;
}

int run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
        std::ostream& out, std::ostream& err, bool stderr_is_terminal) {
  try {
    const CommandLine commands = make_command_line();
    const Invocation invocation = commands.parse(args);
    if (invocation.help) {
      out << invocation.help_text;
      return kExitOk;
    }
    Context context(resolve_settings(invocation, env), out, err, stderr_is_terminal);
    const int code = invocation.command->handler(context, invocation);
    out.flush();
    return code;
  } catch (const UsageError& e) {
    err << "salesctl: " << e.what() << "\n";
    return kExitUsage;
  } catch (const CommandFailed& e) {
    err << "salesctl: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::invalid_argument& e) {
    // e.g. an unknown --time-zone.
    err << "salesctl: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "salesctl: unexpected failure: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace salesfollow::salesctl
