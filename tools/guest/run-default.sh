#!/usr/bin/env bash
# For humans: builds zapotec and the default guest, then gives you a shell in
# the guest on this terminal.
#   - On a host with hardware virtualization: build/zapotec runs the guest.
#   - On a PVM host (/sys/module/kvm_pvm), where a stock kernel cannot boot,
#     the guest runs two levels down in the nested lab (docs/lab.md): QEMU TCG
#     boots L1, and L1 runs zapotec with the guest. Ctrl-A x leaves QEMU.
#     LAB_VMM=qemu uses QEMU inside L1 instead of zapotec.
# Usage: tools/guest/run-default.sh
# The guest mounts its disk (out/guest/rootfs.ext4) on /mnt; `exit` powers off.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "${HERE}/../.." && pwd)
LOG_TAG=run-default
# shellcheck source=tools/guest/lib.sh
. "${HERE}/lib.sh"
cd "${REPO}"

# The toolchain and the libraries the top-level CMakeLists.txt finds.
tools/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build
tools/guest/build.sh out/guest

if [[ -d /sys/module/kvm_pvm ]]; then
    log "PVM host: booting the guest inside the nested lab (L0 QEMU TCG -> L1 -> L2)"
    export LAB_OUT=${REPO}/out/lab GUEST_OUT=${REPO}/out/guest
    tests/lab/build-l1.sh build/zapotec
    exec tests/lab/run-lab.sh interactive
fi
exec build/zapotec run --kernel out/guest/vmlinuz --initrd out/guest/initrd.img \
    --disk out/guest/rootfs.ext4
