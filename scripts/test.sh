#!/usr/bin/env bash
# Runs the whole test suite: installs packages, builds the dev preset and runs
# every unit and integration test (each integration test binary starts its own
# MariaDB), the deployment tests (chart, rules, dashboards on live metrics)
# and the services' load benchmark in smoke mode, then does the same in the
# ASan+UBSan build (without the benchmark), then builds the container image
# and starts its programs (tests/deploy/image_test.sh).
#
#   bash scripts/test.sh           everything (what CI runs)
#   bash scripts/test.sh --quick   the dev build only (no sanitizers, no image)
# SKIP_IMAGE=1 skips the image stage. Exits non-zero when any build or test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

presets=(dev asan)
[ "${1:-}" = "--quick" ] && presets=(dev)

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  bash scripts/install-deps.sh
  bash scripts/install-deploy-tools.sh >/dev/null
fi

status=0
for preset in "${presets[@]}"; do
  echo "==> build: $preset"
  start=$(date +%s)
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "==> tests: $preset (build took $(( $(date +%s) - start )) s)"
  start=$(date +%s)
  if ! ctest --preset "$preset"; then status=1; fi
  echo "==> tests: $preset took $(( $(date +%s) - start )) s"
  if [ "$preset" = dev ]; then
    # The services' load benchmark in smoke mode (seconds, small data, the dev
    # build just made): fails on any scenario error, never on performance.
    echo "==> load benchmark smoke (bench/services/run.sh --smoke)"
    start=$(date +%s)
    if ! bash bench/services/run.sh --smoke --no-build; then status=1; fi
    echo "==> load benchmark smoke took $(( $(date +%s) - start )) s"
  fi
done

if [ "${1:-}" != "--quick" ] && [ "${SKIP_IMAGE:-0}" != 1 ]; then
  # Compiles inside the image: about 20 minutes on 2 cores from nothing, 5-7
  # minutes once the base image and the image ccache (IMAGE_CCACHE_DIR) exist.
  echo "==> image: build and start (tests/deploy/image_test.sh)"
  start=$(date +%s)
  if ! bash tests/deploy/image_test.sh; then status=1; fi
  echo "==> image: took $(( $(date +%s) - start )) s"
fi
exit $status
