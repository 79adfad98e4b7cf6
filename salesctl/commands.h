// The command groups of salesctl, one file each, and the helpers they share.
#pragma once

#include <string>
#include <vector>

#include "command_line.h"
#include "context.h"

namespace salesfollow::salesctl {

void add_customer_commands(CommandLine& commands);  // commands_customer.cc
void add_followup_commands(CommandLine& commands);  // commands_followup.cc
void add_list_commands(
    CommandLine& commands);  // commands_lists.cc: due, stalled, hot, cadence, watch
void add_dictionary_commands(CommandLine& commands);  // commands_dictionary.cc: dict, talktrack
void add_transfer_commands(CommandLine& commands);    // commands_transfer.cc: import, export
void add_report_commands(CommandLine& commands);      // commands_report.cc

// "a, b,c" -> {"a", "b", "c"} (empty parts dropped).
std::vector<std::string> split_list(const std::string& text);
// A positive integer flag, or `fallback`; UsageError otherwise.
int integer_flag(const Invocation& invocation, const std::string& name, int fallback, int min,
                 int max);
// A time flag in the team's zone (labels.h TeamTime::parse); UsageError otherwise.
TimePoint time_flag(const Context& context, const Invocation& invocation, const std::string& name);
// A request id for an idempotent write: --request-id or a fresh random one.
std::string request_id(const Invocation& invocation);

// The shared flags for paging through a list.
std::vector<FlagSpec> paging_flags();

// Reads the page asked for (--page-token) and, with --all, every page after
// it: `read(request, response)` makes one call, `take(response)` keeps the
// page's items. Returns the token of the first page not read ("" after the
// last page).
template <typename Response, typename Request, typename Read, typename Take>
std::string read_pages(const Invocation& invocation, Request& request, Read&& read, Take&& take) {
  request.set_page_token(invocation.get("page-token"));
  for (;;) {
    Response response;
    read(request, response);
    take(response);
    if (!invocation.has("all") || response.next_page_token().empty()) {
      return response.next_page_token();
    }
    request.set_page_token(response.next_page_token());
  }
}
// "more: --page-token T (or --all)" on stderr when pages were left unread.
void note_more_pages(Context& context, const std::string& next_page_token);

// The customer as "key: value" lines (show, add, update ...).
void print_customer(Context& context, const v1::Customer& customer);

}  // namespace salesfollow::salesctl
