#!/usr/bin/env bash
# Full-size generated-input run (issue #8): 100,000 generated requests per RPC
# against the real services built with ASan+UBSan. CI runs the same test with
# a few hundred per RPC (see docs/RELIABILITY.md for figures).
#
#   bash scripts/fuzz.sh                 100,000 per RPC, seed 20261126
#   bash scripts/fuzz.sh 5000 42         5,000 per RPC, seed 42
#   PRESET=dev bash scripts/fuzz.sh      without sanitizers (faster)
# Exits non-zero when any call was answered INTERNAL/UNKNOWN/UNAVAILABLE, a
# process died or reported a sanitizer error, or a refused request wrote.
set -euo pipefail
cd "$(dirname "$0")/.."

iterations="${1:-100000}"
seed="${2:-20261126}"
preset="${PRESET:-asan}"

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target hostile_input_integration_test customer-service \
  followup-service report-worker salesfollow-migrate
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "==> generated input: $iterations calls per RPC, seed $seed, preset $preset"
start=$(date +%s)
SALESFOLLOW_FUZZ_ITERATIONS="$iterations" SALESFOLLOW_FUZZ_SEED="$seed" \
  "build/$preset/tests/hostile_input_integration_test" --gtest_filter='GeneratedInputTest.*'
echo "==> took $(( $(date +%s) - start )) s"
