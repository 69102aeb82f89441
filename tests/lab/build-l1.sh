#!/usr/bin/env bash
# Builds the lab's L1 initramfs: busybox, the kvm modules of the cloud kernel
# (the same package the default guest uses) and tun, the VMM with its
# libraries, debugfs, curl, the L2 guest (vmlinuz, initrd.img, rootfs.ext4) and the scenarios.
# Usage: tests/lab/build-l1.sh [ZAPOTEC_BIN]
# Environment:
#   ZAPOTEC_BIN   the zapotec binary (default: build/zapotec); optional with
#                 LAB_VMM=qemu
#   LAB_OUT       output directory (default out/lab): l1-initrd.img is made here
#   GUEST_OUT     the default guest (default $LAB_OUT/guest), built if needed
#   LAB_VMM       zapotec (default) or qemu: which VMM L1 uses for L2; qemu
#                 also puts qemu-system-x86_64, its libraries and firmware in L1
#   LAB_L2_TIMEOUT        seconds per L2 run in a scenario (default 90)
#   LAB_L2_CMDLINE_EXTRA  words appended to every L2 kernel command line
#   LAB_QEMU_MACHINE      q35 (default) or microvm, for LAB_VMM=qemu
#   LAB_L1_COMPRESSION    zstd (default), gzip or none
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "${HERE}/../.." && pwd)
LOG_TAG=lab-build
# shellcheck source=tools/guest/lib.sh
. "${REPO}/tools/guest/lib.sh"

LAB_OUT=${LAB_OUT:-${REPO}/out/lab}
mkdir -p "${LAB_OUT}"
LAB_OUT=$(cd "${LAB_OUT}" && pwd)
GUEST_OUT=${GUEST_OUT:-${LAB_OUT}/guest}
ZAPOTEC_BIN=${1:-${ZAPOTEC_BIN:-${REPO}/build/zapotec}}
LAB_VMM=${LAB_VMM:-zapotec}
LAB_L2_TIMEOUT=${LAB_L2_TIMEOUT:-90}
LAB_L2_CMDLINE_EXTRA=${LAB_L2_CMDLINE_EXTRA:-}
LAB_QEMU_MACHINE=${LAB_QEMU_MACHINE:-q35}
LAB_L1_COMPRESSION=${LAB_L1_COMPRESSION:-zstd}
# kvm-amd's dependencies (kvm, irqbypass, and ccp on the generic kernel)
# come from modules.dep; tun gives L1 the tap of the network scenarios.
L1_MODULES=(irqbypass kvm kvm_amd tun)
# Firmware QEMU-in-L1 loads for -kernel on q35 (SeaBIOS) and microvm (qboot).
QEMU_FIRMWARE=(bios-256k.bin bios-microvm.bin linuxboot_dma.bin kvmvapic.bin)

case ${LAB_VMM} in
    zapotec | qemu) ;;
    *) die "LAB_VMM must be zapotec or qemu, not '${LAB_VMM}'" ;;
esac
if [[ ${LAB_VMM} == zapotec && ! -x ${ZAPOTEC_BIN} ]]; then
    die "zapotec binary not found at ${ZAPOTEC_BIN} (build it, or pass ZAPOTEC_BIN=...)"
fi

pkgs=(busybox-static cpio e2fsprogs zstd kmod curl)
[[ ${LAB_VMM} == qemu ]] && pkgs+=(qemu-system-x86)
ensure_pkgs "${pkgs[@]}"

"${REPO}/tools/guest/build.sh" "${GUEST_OUT}"
kroot=${GUEST_OUT}/kernel
kver=$(kernel_version "${kroot}")

stage=${LAB_OUT}/l1.stage
rm -rf "${stage}"
mkdir -p "${stage}"/{proc,sys,dev,tmp,run,root,etc,lab,l2}
stage_busybox "${stage}"
stage_console_node "${stage}"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"${stage}/etc/passwd"
printf 'root:x:0:\n' >"${stage}/etc/group"

log "kvm modules:"
stage_modules "${kroot}" "${kver}" "${stage}" "${L1_MODULES[@]}" | sed 's/^/    /' >&2

if [[ -x ${ZAPOTEC_BIN} ]]; then
    stage_binary "${stage}" "$(readlink -f "${ZAPOTEC_BIN}")" usr/bin/zapotec
    log "zapotec: ${ZAPOTEC_BIN}"
fi
stage_binary "${stage}" "$(command -v debugfs)" usr/sbin/debugfs
# curl drives zapotec's API in the api_* scenarios, as users do.
stage_binary "${stage}" "$(command -v curl)" usr/bin/curl
if [[ ${LAB_VMM} == qemu ]]; then
    stage_binary "${stage}" "$(command -v qemu-system-x86_64)" usr/bin/qemu-system-x86_64
    mkdir -p "${stage}/usr/share/qemu"
    for fw in "${QEMU_FIRMWARE[@]}"; do
        src=
        for dir in /usr/share/qemu /usr/share/seabios; do
            [[ -e ${dir}/${fw} ]] && { src=${dir}/${fw}; break; }
        done
        [[ -n ${src} ]] || die "QEMU firmware ${fw} not found"
        cp -L "${src}" "${stage}/usr/share/qemu/${fw}"
    done
    log "qemu-system-x86_64 with its libraries and firmware"
fi

cp "${GUEST_OUT}/vmlinuz" "${GUEST_OUT}/initrd.img" "${GUEST_OUT}/rootfs.ext4" "${stage}/l2/"
install -m 755 "${HERE}/l1-init" "${stage}/init"
install -m 755 "${HERE}/scenarios.sh" "${stage}/lab/scenarios.sh"
install -m 644 "${HERE}/vmm.sh" "${HERE}/scenarios-net.sh" "${HERE}/scenarios-api.sh" \
    "${HERE}/scenarios.list" "${stage}/lab/"
{
    printf '# Written by tests/lab/build-l1.sh.\n'
    printf 'LAB_VMM=%q\n' "${LAB_VMM}"
    printf 'LAB_L2_TIMEOUT=%q\n' "${LAB_L2_TIMEOUT}"
    printf 'LAB_L2_CMDLINE_EXTRA=%q\n' "${LAB_L2_CMDLINE_EXTRA}"
    printf 'LAB_QEMU_MACHINE=%q\n' "${LAB_QEMU_MACHINE}"
} >"${stage}/lab/config"
# run-lab.sh reads the VMM baked in here to know which scenarios to expect.
cp "${stage}/lab/config" "${LAB_OUT}/l1-config"

make_cpio "${stage}" "${LAB_OUT}/l1-initrd.img" "${LAB_L1_COMPRESSION}" 3
rm -rf "${stage}"
cp "${GUEST_OUT}/vmlinuz" "${LAB_OUT}/l1-vmlinuz"
log "L1 ready: ${LAB_OUT}/l1-vmlinuz, ${LAB_OUT}/l1-initrd.img ($(du -h "${LAB_OUT}/l1-initrd.img" | cut -f1), LAB_VMM=${LAB_VMM})"
