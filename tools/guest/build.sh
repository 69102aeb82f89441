#!/usr/bin/env bash
# Builds the default Zapotec guest from Debian 12's cloud kernel and busybox:
#   OUTDIR/vmlinuz      the kernel (bzImage), unchanged from the Debian package
#   OUTDIR/initrd.img   busybox initramfs: /init, modules, /tests/*.sh
#   OUTDIR/rootfs.ext4  a small ext4 disk holding /hello.txt
#   OUTDIR/modules.txt  which modules were staged, built in, or missing
# Usage: tools/guest/build.sh [OUTDIR]   (default out/guest; env GUEST_OUT too)
# Idempotent: steps whose outputs exist and are newer than their inputs are
# skipped. Needs root (or sudo) only to install missing Debian packages.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "${HERE}/../.." && pwd)
LOG_TAG=guest-build
# shellcheck source=tools/guest/lib.sh
. "${HERE}/lib.sh"

OUT=${1:-${GUEST_OUT:-${REPO}/out/guest}}
mkdir -p "${OUT}"
OUT=$(cd "${OUT}" && pwd)

# The text the host puts on the disk; tests/lab/scenarios.sh checks it.
HELLO_TEXT="hello from the zapotec rootfs"
ROOTFS_MIB=16
# Modules the guest loads, by name; dependencies are added from modules.dep.
# Names the kernel has built in or lacks are reported in modules.txt.
GUEST_MODULES=(
    virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_mmio
    virtio_blk rng_core virtio_rng
    crc16 mbcache jbd2 crc32c_generic ext4
    virtio_net pvpanic pvpanic_pci
)

ensure_pkgs busybox-static cpio e2fsprogs zstd kmod xz-utils

# 1. The kernel: download and unpack the cloud kernel package (cached).
fetch_kernel "${OUT}/cache" "${OUT}/kernel"
pkg=$(<"${OUT}/kernel/.zapotec-pkg")
kver=$(kernel_version "${OUT}/kernel")
if [[ ! -f ${OUT}/vmlinuz || ${OUT}/kernel/.zapotec-pkg -nt ${OUT}/vmlinuz ]]; then
    cp "${OUT}/kernel/boot/vmlinuz-${kver}" "${OUT}/vmlinuz"
    log "vmlinuz: ${kver}"
fi

# 2. The initramfs, rebuilt when any of its inputs changed.
initrd_inputs=("${HERE}/init" "${HERE}/lib.sh" "${HERE}/build.sh" "${HERE}"/tests/*.sh
    "${OUT}/kernel/.zapotec-pkg")
stale=0
[[ -f ${OUT}/initrd.img && -f ${OUT}/modules.txt ]] || stale=1
for f in "${initrd_inputs[@]}"; do
    [[ ${f} -nt ${OUT}/initrd.img ]] && stale=1
done
if [[ ${stale} -eq 1 ]]; then
    stage=${OUT}/initrd.stage
    rm -rf "${stage}"
    mkdir -p "${stage}"/{proc,sys,dev,tmp,run,mnt,root,etc,tests}
    stage_busybox "${stage}"
    stage_console_node "${stage}"
    install -m 755 "${HERE}/init" "${stage}/init"
    install -m 644 "${HERE}"/tests/*.sh "${stage}/tests/"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"${stage}/etc/passwd"
    printf 'root:x:0:\n' >"${stage}/etc/group"
    {
        printf '# Modules of %s (%s) for the default guest.\n' "${pkg}" "${kver}"
        printf '# load <name> <path>: staged, loaded by /init in this order\n'
        printf '# builtin <name>: built into the kernel; missing <name>: skipped\n'
        stage_modules "${OUT}/kernel" "${kver}" "${stage}" "${GUEST_MODULES[@]}"
    } >"${OUT}/modules.txt.tmp"
    while read -r kind name _; do
        [[ ${kind} == missing ]] && log "note: module ${name} is not in ${pkg}; skipped"
    done <"${OUT}/modules.txt.tmp"
    mv "${OUT}/modules.txt.tmp" "${OUT}/modules.txt"
    compression=$(initrd_compression "${OUT}/kernel/boot/config-${kver}")
    make_cpio "${stage}" "${OUT}/initrd.img" "${compression}"
    rm -rf "${stage}"
    log "initrd.img: $(du -h "${OUT}/initrd.img" | cut -f1) (${compression})"
fi

# 3. The disk image.
if [[ ! -f ${OUT}/rootfs.ext4 || ${HERE}/build.sh -nt ${OUT}/rootfs.ext4 ]]; then
    content=${OUT}/rootfs.stage
    rm -rf "${content}"
    mkdir -p "${content}"
    printf '%s\n' "${HELLO_TEXT}" >"${content}/hello.txt"
    rm -f "${OUT}/rootfs.ext4.tmp"
    truncate -s "${ROOTFS_MIB}M" "${OUT}/rootfs.ext4.tmp"
    mkfs.ext4 -q -F -L zapotec -E root_owner=0:0 -d "${content}" "${OUT}/rootfs.ext4.tmp"
    mv "${OUT}/rootfs.ext4.tmp" "${OUT}/rootfs.ext4"
    rm -rf "${content}"
    log "rootfs.ext4: ${ROOTFS_MIB} MiB ext4 with /hello.txt"
fi

log "guest ready in ${OUT}: vmlinuz initrd.img rootfs.ext4 (kernel ${kver})"
