// Helpers shared by the command files (commands.h).
#include <fmt/format.h>

#include <random>

#include "commands.h"

namespace salesfollow::salesctl {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::string current;
  const auto flush = [&] {
    const auto first = current.find_first_not_of(' ');
    const auto last = current.find_last_not_of(' ');
    if (first != std::string::npos) parts.push_back(current.substr(first, last - first + 1));
    current.clear();
  };
  for (const char c : text) {
    if (c == ',' || c == ';') {
      flush();
    } else {
      current += c;
    }
  }
  flush();
  return parts;
}

int integer_flag(const Invocation& invocation, const std::string& name, int fallback, int min,
                 int max) {
  if (!invocation.has(name)) return fallback;
  const std::string text = invocation.get(name);
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || value < min || value > max)
    throw UsageError(
        fmt::format("--{} must be a whole number from {} to {}, got '{}'", name, min, max, text));
  return static_cast<int>(value);
}

TimePoint time_flag(const Context& context, const Invocation& invocation, const std::string& name) {
  const auto parsed = context.time().parse(invocation.get(name));
  if (!parsed)
    throw UsageError(fmt::format(
        "--{} must be a time such as 2024-03-05, '2024-03-05 14:30' or 2024-03-05T06:30:00Z, "
        "got '{}'",
        name, invocation.get(name)));
  return *parsed;
}

void note_more_pages(Context& context, const std::string& next_page_token) {
  if (!next_page_token.empty())
    context.err() << "more: --page-token " << next_page_token << " (or --all)\n";
}

std::string request_id(const Invocation& invocation) {
  if (invocation.has("request-id")) return invocation.get("request-id");
  std::random_device device;
  return fmt::format("salesctl-{:08x}-{:08x}-{:08x}", device(), device(), device());
}

std::vector<FlagSpec> paging_flags() {
  return {{"page-size", "N", "rows per page (default 50)"},
          {"page-token", "TOKEN", "continue where the previous page ended"},
          {"all", "", "follow every page"}};
}

}  // namespace salesfollow::salesctl
