#!/usr/bin/env bash
# Makes a local stand-in for the official python:3.11-slim image (pipeline/Dockerfile's base),
# since no container registry is reachable from CI machines, the way
# ../shared/tools/container/base-image.sh makes node:24-bookworm-slim: a minimal Debian bookworm
# root filesystem (debootstrap, from the mirror this machine's apt uses) whose python3 is 3.11,
# imported as localhost/python:3.11-slim-bookworm. Like the official image:
#   - `python`, `python3`, `pip` and `pip3` in /usr/local/bin, first on PATH;
#   - pip installs system-wide as root: Debian's PEP 668 marker (EXTERNALLY-MANAGED) is removed,
#     since in an image nothing else manages those packages;
#   - ca-certificates, no compilers (debootstrap installs no Recommends, so python3-pip comes
#     without build-essential and python3-dev), no user besides root;
#   - apt configured as in Debian's official images (docker-clean): an `apt-get install` leaves
#     no package caches in its layer.
# Idempotent: does nothing if the image exists (~1 min the first time).
# Usage (as root): scripts/deploy/python-base-image.sh    [PYTHON_BASE_IMAGE=name:tag to rename]
set -euo pipefail
IMAGE=${PYTHON_BASE_IMAGE:-localhost/python:3.11-slim-bookworm}
need=()
for p in buildah podman runc debootstrap; do command -v "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah podman runc debootstrap >/dev/null
fi
if podman image exists "$IMAGE" 2>/dev/null; then
  echo "$IMAGE already present"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The Debian mirror this machine's apt already uses (as base-image.sh finds it).
mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
  true)
[ -n "$mirror" ] || mirror=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
rootfs=$work/rootfs
debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates,netbase \
  bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log"; exit 1; }
version=$(chroot "$rootfs" python3 -c 'import platform; print(platform.python_version())')
[[ "$version" == 3.11.* ]] || { echo "bookworm's python3 is $version, not 3.11" >&2; exit 1; }
rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
for cmd in python python3 pip pip3; do
  target=/usr/bin/python3
  [[ "$cmd" == pip* ]] && target=/usr/bin/pip3
  ln -sf "$target" "$rootfs/usr/local/bin/$cmd"
done
# As the official debian:bookworm images' /etc/apt/apt.conf.d/docker-clean.
clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"'
printf '%s\n' "DPkg::Post-Invoke { $clean; };" "APT::Update::Post-Invoke { $clean; };" \
  'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' >"$rootfs/etc/apt/apt.conf.d/docker-clean"
rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/cache/apt/"*.bin "$rootfs/var/lib/apt/lists/"*
tar -C "$rootfs" -cf "$work/rootfs.tar" .
podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change "ENV PYTHON_VERSION=$version" \
  --change 'CMD ["python3"]' \
  "$work/rootfs.tar" "$IMAGE" >/dev/null
echo "$IMAGE imported (python $version)"
