#!/usr/bin/env bash
# Builds the salesfollow container image without a Docker daemon and without a
# container registry (none is reachable from these machines):
#
#   1. base image: debootstrap a minimal Debian bookworm from the host's apt
#      mirror, tar it and `podman import` it as localhost/salesfollow-base:bookworm
#      (skipped when it exists; --rebuild-base forces it);
#   2. `buildah bud --isolation chroot --storage-driver vfs --pull=never` on the
#      multi-stage Containerfile, with a host ccache directory mounted so that
#      repeat builds do not recompile;
#   3. optionally `buildah push IMAGE oci-archive:FILE` for `podman load` or
#      `skopeo copy` on a machine that can reach your registry.
#
#   bash scripts/build-image.sh [--tag TAG] [--archive FILE] [--rebuild-base]
#
# Environment: IMAGE_CCACHE_DIR (default /var/cache/salesfollow-image-ccache),
# BUILD_JOBS (default 2). Needs root and the packages debootstrap, buildah,
# podman, runc (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^project(salesfollow VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
tag="localhost/salesfollow:$version"
archive=""
rebuild_base=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --archive) archive=$2; shift 2 ;;
    --rebuild-base) rebuild_base=1; shift ;;
    *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

base=localhost/salesfollow-base:bookworm
storage=(--storage-driver vfs)
ccache_dir=${IMAGE_CCACHE_DIR:-/var/cache/salesfollow-image-ccache}
step() { echo "==> [$(date -u +%H:%M:%S)] $*"; }
started=$(date +%s)

if [ "$rebuild_base" = 1 ] || ! podman "${storage[@]}" image exists "$base"; then
  # The host's own mirror and suites (deb822 sources), so the image's apt sees
  # the same archive the host does.
  sources=/etc/apt/sources.list.d/debian.sources
  mirror=$(awk '/^URIs:/{print $2; exit}' "$sources" 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  work=$(mktemp -d /var/tmp/salesfollow-base.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  step "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  if [ -f "$sources" ]; then
    rm -f "$work/root/etc/apt/sources.list"
    cp "$sources" "$work/root/etc/apt/sources.list.d/debian.sources"
  fi
  chroot "$work/root" apt-get clean
  rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin
  step "podman import as $base"
  tar -C "$work/root" --numeric-owner -cf "$work/root.tar" .
  podman "${storage[@]}" import --change 'CMD ["/bin/bash"]' "$work/root.tar" "$base" >/dev/null
  rm -rf "$work"
  trap - EXIT
  echo "    base image ready after $(( $(date +%s) - started )) s"
else
  step "base image $base exists (--rebuild-base to remake it)"
fi

mkdir -p "$ccache_dir"
step "buildah bud -> $tag"
build_started=$(date +%s)
buildah bud "${storage[@]}" --isolation chroot --pull=never --layers=false \
  --build-arg BASE_IMAGE="$base" --build-arg BUILD_JOBS="${BUILD_JOBS:-2}" \
  -v "$ccache_dir:/ccache:rw" \
  -f Containerfile -t "$tag" .
echo "    image built in $(( $(date +%s) - build_started )) s"

if [ -n "$archive" ]; then
  step "buildah push $tag oci-archive:$archive"
  buildah "${storage[@]}" push "$tag" "oci-archive:$archive:$tag" >/dev/null
fi
buildah "${storage[@]}" images --filter "reference=$tag"
step "done in $(( $(date +%s) - started )) s"
