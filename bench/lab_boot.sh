#!/usr/bin/env bash
# Boot-time benchmark in the nested lab (docs/lab.md): boots the stock Debian
# cloud kernel + the default guest initramfs as L2 under zapotec, QEMU q35 and
# QEMU microvm, all inside one L1 (QEMU TCG with nested SVM), N times each, and
# reports the time to the guest's "ZAPOTEC-GUEST: init started" line and to the
# VMM's exit (medians and p90, L1 clock). A benchmark, not a test.
#
# Usage: bench/lab_boot.sh [--runs N] [--vmms "zapotec qemu-q35 qemu-microvm"]
# Environment:
#   ZAPOTEC_BIN       zapotec binary (default build/zapotec)
#   BENCH_LAB_OUT     work directory (default out/bench-lab): L1 files, logs,
#                     results.txt
#   GUEST_OUT         the default guest (default $BENCH_LAB_OUT/guest; point it
#                     at an existing out/guest to skip the download)
#   BENCH_L2_TIMEOUT  seconds per L2 run before it is killed (default 90)
#   BENCH_MEMORY      L2 memory in MiB (default 128), BENCH_CPUS (default 1)
#   LAB_BOOT_TIMEOUT  seconds until L1's init must speak (default 120; retried
#                     once, like tests/lab/run-lab.sh)
#   BENCH_LAB_TIMEOUT seconds for the whole run after L1's init (default:
#                     120 + runs x VMMs x BENCH_L2_TIMEOUT)
# It reuses tests/lab/build-l1.sh (LAB_VMM=qemu, which also stages zapotec) and
# tests/lab/vmm.sh unchanged; bench/lab/l1-bench-init runs in L1 as
# rdinit=/bench/init from a small cpio archive put in front of the lab's.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "${HERE}/.." && pwd)
LOG_TAG=bench-lab
# shellcheck source=tools/guest/lib.sh
. "${REPO}/tools/guest/lib.sh"

RUNS=5
VMMS="zapotec qemu-q35 qemu-microvm"
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --vmms) VMMS=${2:?--vmms needs a value}; shift 2 ;;
        --vmms=*) VMMS=${1#*=}; shift ;;
        -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[[ ${RUNS} =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
for v in ${VMMS}; do
    case ${v} in zapotec | qemu-q35 | qemu-microvm) ;; *) die "unknown VMM '${v}'" ;; esac
done
nvmm=$(wc -w <<<"${VMMS}")

ZAPOTEC_BIN=${ZAPOTEC_BIN:-${REPO}/build/zapotec}
OUT=${BENCH_LAB_OUT:-${REPO}/out/bench-lab}
BENCH_L2_TIMEOUT=${BENCH_L2_TIMEOUT:-90}
BENCH_MEMORY=${BENCH_MEMORY:-128}
BENCH_CPUS=${BENCH_CPUS:-1}
LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-120}
BENCH_LAB_TIMEOUT=${BENCH_LAB_TIMEOUT:-$((120 + RUNS * nvmm * BENCH_L2_TIMEOUT))}

[[ -x ${ZAPOTEC_BIN} ]] || die "zapotec binary not found at ${ZAPOTEC_BIN} (build it or set ZAPOTEC_BIN)"
for tool in qemu-system-x86_64 cpio flock awk; do
    command -v "${tool}" >/dev/null || die "${tool} not found (apt-get install qemu-system-x86 cpio util-linux gawk)"
done
mkdir -p "${OUT}"
OUT=$(cd "${OUT}" && pwd)

# One benchmark at a time on this machine (shared with bench/boot_time.py).
exec 9>>/tmp/zapotec-bench.lock
if ! flock -n 9; then
    log "another benchmark holds /tmp/zapotec-bench.lock; waiting for it"
    flock 9
fi

# 1. L1: the lab's own initramfs with QEMU and zapotec, then our init in front.
log "building L1 (tests/lab/build-l1.sh, LAB_VMM=qemu)"
LAB_OUT=${OUT}/l1 LAB_VMM=qemu GUEST_OUT=${GUEST_OUT:-${OUT}/guest} \
    "${REPO}/tests/lab/build-l1.sh" "${ZAPOTEC_BIN}"
stage=$(mktemp -d "${OUT}/bench.stage.XXXXXX")
qemu_pid=
cleanup_qemu() {
    if [[ -n ${qemu_pid} ]]; then
        kill "${qemu_pid}" 2>/dev/null || true
        wait "${qemu_pid}" 2>/dev/null || true
        qemu_pid=
    fi
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    cleanup_qemu
    rm -rf "${stage}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "${stage}/bench"
install -m 755 "${HERE}/lab/l1-bench-init" "${stage}/bench/init"
{
    printf '# Written by bench/lab_boot.sh.\n'
    printf 'BENCH_RUNS=%q\n' "${RUNS}"
    printf 'BENCH_VMMS=%q\n' "${VMMS}"
    printf 'BENCH_L2_TIMEOUT=%q\n' "${BENCH_L2_TIMEOUT}"
    printf 'BENCH_MEMORY=%q\n' "${BENCH_MEMORY}"
    printf 'BENCH_CPUS=%q\n' "${BENCH_CPUS}"
} >"${stage}/bench/config"
# An uncompressed cpio in front of the lab's compressed one (the kernel unpacks
# both, like an early-microcode archive); its files do not clash with the lab's.
(cd "${stage}" && find bench | cpio -o -H newc --quiet) >"${OUT}/bench.cpio"
cat "${OUT}/bench.cpio" "${OUT}/l1/l1-initrd.img" >"${OUT}/l1-bench-initrd.img"
rm -f "${OUT}/bench.cpio"

# 2. Boot L1 (the machine of tests/lab/run-lab.sh and LAB.md).
QEMU=(qemu-system-x86_64 -accel tcg -cpu "EPYC,+svm,+npt,-xsave,-avx,-avx2,-fma,-f16c"
    -m 2048 -smp 2 -nographic -nic none -no-reboot
    -kernel "${OUT}/l1/l1-vmlinuz" -initrd "${OUT}/l1-bench-initrd.img"
    -append "console=ttyS0 panic=-1 quiet rdinit=/bench/init")
LOG=${OUT}/l1-console.log
RESULTS=${OUT}/results.txt
rm -f "${RESULTS}" "${LOG}"

# boot_l1: 0 when L1 finished (or the overall timeout hit), 3 when its init never spoke.
boot_l1() {
    local start=${SECONDS}
    : >"${LOG}"
    "${QEMU[@]}" </dev/null >"${LOG}" 2>&1 &
    qemu_pid=$!
    while ! grep -q 'BENCH-L1: init started' "${LOG}"; do
        if ! kill -0 "${qemu_pid}" 2>/dev/null || ((SECONDS - start > LAB_BOOT_TIMEOUT)); then
            log "L1 did not reach its init (within ${LAB_BOOT_TIMEOUT}s)"
            cleanup_qemu
            return 3
        fi
        sleep 0.2
    done
    log "L1 init started after $((SECONDS - start))s; ${RUNS} runs x ${nvmm} VMMs (log: ${LOG})"
    local deadline=$((SECONDS + BENCH_LAB_TIMEOUT)) seen=0 n
    while kill -0 "${qemu_pid}" 2>/dev/null; do
        if ((SECONDS > deadline)); then
            log "the run passed BENCH_LAB_TIMEOUT=${BENCH_LAB_TIMEOUT}s; stopping L1"
            cleanup_qemu
            break
        fi
        n=$(grep -c '^BENCH-L2 ' "${LOG}" || true)
        if ((n > seen)); then
            tr -d '\r' <"${LOG}" | grep '^BENCH-L2 ' | tail -n $((n - seen)) | sed 's/^/    /' >&2
            seen=${n}
        fi
        sleep 1
    done
    wait "${qemu_pid}" 2>/dev/null || true
    qemu_pid=
    return 0
}
started=${SECONDS}
status=0
boot_l1 || status=$?
if ((status == 3)); then
    log "retrying the L1 boot once (TCG hangs about 1 boot in 20)"
    status=0
    boot_l1 || status=$?
    ((status == 3)) && die "L1 never reached its init (see ${LOG})"
fi
tr -d '\r' <"${LOG}" | grep -E '^BENCH-(L2|LOG) ' >"${RESULTS}" || true
log "finished in $((SECONDS - started))s; results in ${RESULTS}"

# 3. Statistics: median and p90 (linear interpolation) of successful runs.
echo "lab boot benchmark: $(date -Is), $(uname -r) host, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "L2: stock cloud kernel + guest initramfs, --cpus ${BENCH_CPUS} --memory ${BENCH_MEMORY}, zapotec.test=boot; times in s, L1 clock"
awk -v vmms="${VMMS}" '
    function stat(v, n, p,   i, j, t, k, lo) {
        for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
        k = (n - 1) * p / 100; lo = int(k)
        return (lo + 1 >= n) ? v[n] : v[lo + 1] + (v[lo + 2] - v[lo + 1]) * (k - lo)
    }
    /^BENCH-L2 / {
        delete f
        for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        vm = f["vmm"]; total[vm]++
        if (f["ok"] != 1) { failed[vm]++; next }
        n[vm]++
        init[vm, n[vm]] = f["start_to_init"]; ex[vm, n[vm]] = f["start_to_exit"]; gu[vm, n[vm]] = f["guest_init_uptime"]
    }
    END {
        printf "%-13s %4s  %-21s %-21s %-21s\n", "VMM", "ok", "start->init med/p90", "start->exit med/p90", "guest uptime med/p90"
        split(vmms, order, " ")
        for (o = 1; order[o] != ""; o++) {
            vm = order[o]; m = n[vm] + 0
            if (m == 0) { printf "%-13s %2d/%-2d  (no successful run)\n", vm, 0, total[vm]; continue }
            for (i = 1; i <= m; i++) { a[i] = init[vm, i]; b[i] = ex[vm, i]; c[i] = gu[vm, i] }
            mi = stat(a, m, 50); pi = stat(a, m, 90); me = stat(b, m, 50); pe = stat(b, m, 90)
            mg = stat(c, m, 50); pg = stat(c, m, 90)
            med_init[vm] = mi; med_exit[vm] = me
            printf "%-13s %2d/%-2d  %8.2f / %-8.2f  %8.2f / %-8.2f  %8.2f / %-8.2f\n", vm, m, total[vm], mi, pi, me, pe, mg, pg
        }
        for (o = 1; order[o] != ""; o++) {
            vm = order[o]
            if (vm == "zapotec" || !(vm in med_init) || !("zapotec" in med_init)) continue
            printf "ratio zapotec/%s: start->init %.2f, start->exit %.2f\n", vm, med_init["zapotec"] / med_init[vm], med_exit["zapotec"] / med_exit[vm]
        }
    }' "${RESULTS}"
if grep -q '^BENCH-L2 .* ok=0 ' "${RESULTS}"; then
    echo "failed runs (excluded):"
    grep -E '^BENCH-(L2 .* ok=0 |LOG )' "${RESULTS}" | sed 's/^/  /'
fi
expected=$((RUNS * nvmm))
got=$(grep -c '^BENCH-L2 ' "${RESULTS}" || true)
if ((got < expected)); then
    log "error: only ${got} of ${expected} runs reported (see ${LOG})"
    exit 2
fi
grep -q '^BENCH-L2 .* ok=0 ' "${RESULTS}" && exit 1
exit 0
