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
# rdinit=/bench/init from a small cpio archive put in front of the lab's
# (bench/lab/host.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "${HERE}/.." && pwd)
LOG_TAG=bench-lab
# shellcheck source=tools/guest/lib.sh
. "${REPO}/tools/guest/lib.sh"
# shellcheck source=bench/lab/host.sh
. "${HERE}/lab/host.sh"

bench_setup 5 "${REPO}/out/bench-lab" 90 "$@"
BENCH_MEMORY=${BENCH_MEMORY:-128}
BENCH_CPUS=${BENCH_CPUS:-1}

# L1: the lab's own initramfs (QEMU and zapotec inside) with our init in front.
bench_run "${HERE}/lab/l1-bench-init" BENCH-L2 BENCH_MEMORY BENCH_CPUS

# Statistics: median and p90 (linear interpolation) of successful runs.
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
bench_exit BENCH-L2
