// Escaping for the HTML and SVG the weekly review page is made of.
#pragma once

#include <string>
#include <string_view>

namespace salesfollow::salesctl {

// Text for element content and (double-quoted) attribute values: & < > " '.
std::string html_escape(std::string_view text);

}  // namespace salesfollow::salesctl
