#!/usr/bin/env bash
# Installs every Debian 12 package Zapotec needs to build, test, fuzz and run its lab.
# Idempotent: installs only what is missing; runs `apt-get update` only when needed.
set -euo pipefail

PACKAGES=(
    # Build.
    cmake ninja-build g++ pkg-config
    # Libraries (see "Dependencies" in README.md).
    libfmt-dev libspdlog-dev nlohmann-json3-dev libcli11-dev liburing-dev libboost1.81-dev
    # Tests and benchmarks.
    libgtest-dev libgmock-dev acpica-tools time
    # Fuzzing (libFuzzer) and formatting.
    clang-16 libclang-rt-16-dev clang-format
    # The default guest and the nested lab.
    qemu-system-x86 busybox-static cpio e2fsprogs zstd kmod xz-utils curl
)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "${package}" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("${package}")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! ${SUDO} apt-get install -y --no-install-recommends "${missing[@]}"; then
    ${SUDO} apt-get update
    ${SUDO} apt-get install -y --no-install-recommends "${missing[@]}"
fi
