# Warnings for the project's own targets (generated code gets fewer).
# -Wmaybe-uninitialized stays a warning, not an error: at -O2 GCC 12 reports
# false positives from inlined third-party headers (date.h's parser).
add_library(salesfollow_warnings INTERFACE)
target_compile_options(salesfollow_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${SALESFOLLOW_WERROR}>:-Werror -Wno-error=maybe-uninitialized>)
