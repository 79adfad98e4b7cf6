// salesctl: the sales follow-up system from the command line (docs/SALESCTL.md).
#include <unistd.h>

#include <iostream>

#include "app.h"
#include "salesfollow/common/options.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return salesfollow::salesctl::run({argv + 1, argv + argc}, salesfollow::current_environment(),
                                    std::cout, std::cerr, ::isatty(STDERR_FILENO) != 0);
}
