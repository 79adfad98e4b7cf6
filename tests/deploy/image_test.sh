#!/usr/bin/env bash
# Builds the container image without a Docker daemon (scripts/build-image.sh)
# and proves that it starts:
#   - the OCI archive for pushing to a registry is written;
#   - every executable answers --version inside the image, as uid 10001;
#   - salesfollow-migrate, run from the image, migrates a MariaDB on the host;
#   - customer-service, run from the image against that database, answers the
#     gRPC health check (SERVING on "" and on "liveness") and serves /metrics;
#   - SIGTERM (podman stop) stops it cleanly (exit 0).
# Containers run with `podman --runtime runc` (crun fails on these hosts) and
# the host network.
#
#   bash tests/deploy/image_test.sh [--skip-build]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
version=$(sed -n 's/^project(salesfollow VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
image="localhost/salesfollow:$version"
podman=(podman --storage-driver vfs --runtime runc)
run=("${podman[@]}" run --rm --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
work=$(mktemp -d /tmp/salesfollow-image.XXXXXX)
container=""
step() { echo "==> [$(date -u +%H:%M:%S)] $*"; }
cleanup() {
  local status=$?
  [ -n "$container" ] && "${podman[@]}" rm -f "$container" >/dev/null 2>&1 || true
  bash scripts/db.sh stop "$work/mariadb" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
passed=0
failed=0
check() {  # description, command...
  local what=$1
  shift
  if "$@" >"$work/check.out" 2>&1; then
    echo "ok   $what"
    passed=$((passed + 1))
  else
    echo "FAIL $what"
    sed 's/^/     /' "$work/check.out" | tail -20
    failed=$((failed + 1))
  fi
}

if [ "${1:-}" != "--skip-build" ]; then
  step "building $image"
  started=$(date +%s)
  bash scripts/build-image.sh --tag "$image" --archive "$work/salesfollow.oci.tar"
  echo "image build took $(( $(date +%s) - started )) s"
  check "the OCI archive for a registry holds the image" \
    bash -c "tar -tf '$work/salesfollow.oci.tar' | grep -qE '^(\./)?index.json$'"
fi

step "the image"
"${podman[@]}" image inspect "$image" --format 'user={{.Config.User}} size={{.Size}}'
check "the image runs as uid 10001, not root" \
  bash -c "[ \"\$(${run[*]} --entrypoint id $image -u)\" = 10001 ]"
for exe in customer-service followup-service report-worker salesfollow-migrate salesfollow-token; do
  check "$exe --version" bash -c "${run[*]} $image $exe --version | grep -F '$version'"
done
check "no compiler in the runtime image" \
  bash -c "! ${run[*]} --entrypoint sh $image -c 'command -v g++ || command -v cmake'"

step "MariaDB on the host"
bash scripts/db.sh start "$work/mariadb" >/dev/null
# shellcheck disable=SC1091
source "$work/mariadb/env"
mkdir -p "$work/secrets"
cp "$SALESFOLLOW_DB_PASSWORD_FILE" "$work/secrets/db-password"
head -c 48 /dev/urandom | base64 -w0 >"$work/secrets/token-secret"
echo "k1=$(head -c 32 /dev/urandom | base64 -w0)" >"$work/secrets/contact-keys"
head -c 32 /dev/urandom | base64 -w0 >"$work/secrets/blind-index-key"
chmod 0444 "$work/secrets"/*   # the image's uid reads them, as from a Secret volume
env_args=(--network host -v "$work/secrets:/var/run/secrets/salesfollow:ro"
  -e SALESFOLLOW_DB_HOST=127.0.0.1 -e SALESFOLLOW_DB_PORT="$SALESFOLLOW_DB_PORT"
  -e SALESFOLLOW_DB_PASSWORD_FILE=/var/run/secrets/salesfollow/db-password
  -e SALESFOLLOW_TOKEN_SECRET_FILE=/var/run/secrets/salesfollow/token-secret
  -e SALESFOLLOW_CONTACT_KEYS_FILE=/var/run/secrets/salesfollow/contact-keys
  -e SALESFOLLOW_BLIND_INDEX_KEY_FILE=/var/run/secrets/salesfollow/blind-index-key)

check "salesfollow-migrate from the image migrates the host's MariaDB" \
  "${run[@]}" "${env_args[@]}" "$image" salesfollow-migrate

step "customer-service from the image"
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
  return 1
}
grpc_port=$(free_port)
metrics_port=$(free_port)
container=salesfollow-image-test-$$
"${podman[@]}" run -d --name "$container" --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
  "${env_args[@]}" "$image" customer-service --grpc-listen="127.0.0.1:$grpc_port" \
  --metrics-listen="127.0.0.1:$metrics_port" >/dev/null
for _ in $(seq 1 100); do
  "${podman[@]}" logs "$container" 2>&1 | grep -q '"event":"listening"' && break
  sleep 0.2
done
health() {
  /usr/bin/python3 - "$grpc_port" <<'PY'
import sys, grpc
channel = grpc.insecure_channel("127.0.0.1:" + sys.argv[1])
check = channel.unary_unary("/grpc.health.v1.Health/Check",
                            request_serializer=lambda b: b, response_deserializer=lambda b: b)
# HealthCheckRequest{service}; b"\x08\x01" is HealthCheckResponse{status: SERVING}.
for service in (b"", b"liveness"):
    request = b"\x0a" + bytes([len(service)]) + service if service else b""
    answer = check(request, timeout=5)
    print(service.decode() or '""', "SERVING" if answer == b"\x08\x01" else answer)
    assert answer == b"\x08\x01"
PY
}
check "customer-service in the image answers SERVING on its health service" health
check "customer-service in the image serves /metrics" \
  bash -c "curl -fsS http://127.0.0.1:$metrics_port/metrics | grep -q 'salesfollow_build_info{component=\"customer-service\"'"
check "podman stop (SIGTERM) stops it with exit code 0" \
  bash -c "${podman[*]} stop -t 30 $container >/dev/null && [ \"\$(${podman[*]} inspect $container --format '{{.State.ExitCode}}')\" = 0 ]"
"${podman[@]}" logs "$container" 2>&1 | tail -3

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
