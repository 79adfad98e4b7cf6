#!/usr/bin/env bash
# Installs every system package the project needs, from Debian 12 only.
# Idempotent and non-interactive; run as root (or with sudo available).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache git
  clang-format clang-tidy
  # RPC and serialization
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  # database
  libsoci-dev libboost-dev libmariadb-dev mariadb-server mariadb-client
  # metrics, logging, time, crypto
  prometheus-cpp-dev libfmt-dev libhowardhinnant-date-dev nlohmann-json3-dev
  libssl-dev libjwt-dev tzdata
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # salesctl's weekly review page: rendered in headless Chromium by its test,
  # with CJK fonts so that the Chinese text is drawn
  chromium fonts-noto-cjk
  # the README's Python client example
  python3-grpcio python3-protobuf python3-grpc-tools
  # process tools used by the scripts
  procps psmisc iproute2 curl ca-certificates
  # bench/services/run.sh (also in CI, smoke mode) writes its results with jq
  jq
  # the TLS test makes its own CA
  openssl
  # deployment tests (tests/deploy): Prometheus and promtool; the daemonless
  # image build (debootstrap, buildah, podman, runc); unzip for the Helm
  # binary that scripts/install-deploy-tools.sh takes from an npm package
  prometheus debootstrap buildah podman runc unzip
)
# node and npm run the manifest validator and fetch Helm: Debian's, unless the
# machine already has a Node.js with npm (e.g. from NodeSource, which conflicts
# with Debian's npm package).
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start daemons: scripts/db.sh starts MariaDB itself.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
