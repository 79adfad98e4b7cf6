#!/usr/bin/env bash
# The chart and the rules, offline:
#   1. helm lint --strict with every charts/salesfollow/ci/*.yaml;
#   2. helm template with each, validated against the Kubernetes API schemas
#      (tests/deploy/validate-manifests.mjs, after its own self-test);
#   3. what the chart promises (tests/deploy/chart_policy.py);
#   4. bad values are refused (no database host, an unknown worker mode);
#   5. promtool check rules and promtool test rules on the alert rules.
# Tools: Helm from scripts/install-deploy-tools.sh, promtool from Debian's prometheus.
set -euo pipefail
cd "$(dirname "$0")/../.."
chart=charts/salesfollow
tools=$(bash scripts/install-deploy-tools.sh | tail -1)
helm="$tools/bin/helm"
work=$(mktemp -d /tmp/salesfollow-chart.XXXXXX)
trap 'rm -rf "$work"' EXIT
step() { echo "==> $*"; }

step "helm lint and template"
for values in "$chart"/ci/*.yaml; do
  name=$(basename "$values")
  "$helm" lint --strict "$chart" -f "$values"
  "$helm" template rel "$chart" -f "$values" >"$work/$name"
  echo "rendered $name: $(grep -c '^kind:' "$work/$name") objects"
done

step "Kubernetes API schema validation"
node tests/deploy/validate-manifests.mjs "$tools" --self-test
node tests/deploy/validate-manifests.mjs "$tools" "$work"/*.yaml

step "chart policy"
/usr/bin/python3 tests/deploy/chart_policy.py "$work"

step "bad values are refused"
refused() {  # description, helm template arguments...
  local what=$1
  shift
  if "$helm" template rel "$chart" "$@" >"$work/refused.out" 2>&1; then
    echo "FAIL rendered despite $what"
    return 1
  fi
  echo "ok   refused: $what ($(grep -o 'Error: .*' "$work/refused.out" | head -1 | cut -c1-100))"
}
refused "no database host"
refused "an unknown report worker mode" --set database.host=db --set reportWorker.mode=daemon
refused "an unknown anti-affinity" --set database.host=db --set podAntiAffinity=always

step "alert rules"
promtool check rules "$chart/files/prometheus/alerts.yml"
promtool test rules "$chart/files/prometheus/alerts_test.yml"
echo "chart_test: passed"
