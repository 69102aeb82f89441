#!/usr/bin/env bash
# I/O benchmark in the nested lab (docs/lab.md, docs/benchmarks.md): boots the
# default guest as L2 with a virtio-net on L1's tap0 and a scratch virtio-blk
# disk under zapotec, QEMU q35 and QEMU microvm (virtio-net-pci and
# virtio-blk-pci for both QEMUs), all inside one L1 (QEMU TCG with nested SVM),
# N times each, and reports network throughput both ways (busybox nc, one TCP
# stream), the ping -A packet rate and round trip, block read/write MiB/s
# (1 MiB O_DIRECT requests) and 4 KiB IOPS at queue depth 1, as medians with
# zapotec/QEMU ratios. A benchmark, not a test.
#
# Usage: bench/lab_io.sh [--runs N] [--vmms "zapotec qemu-q35 qemu-microvm"]
# Environment:
#   ZAPOTEC_BIN       zapotec binary (default build/zapotec)
#   BENCH_LAB_OUT     work directory (default out/bench-lab-io)
#   GUEST_OUT         the default guest (default $BENCH_LAB_OUT/guest)
#   BENCH_NET_MIB     MiB per network direction (default 16)
#   BENCH_BLK_MIB     MiB written and read on the disk (default 64)
#   BENCH_IOPS_N      4 KiB requests per IOPS figure (default 500)
#   BENCH_PING_N      echo requests for the packet rate (default 200)
#   BENCH_L2_TIMEOUT  seconds per L2 run before it is killed (default 300)
#   LAB_BOOT_TIMEOUT  seconds until L1's init must speak (default 120)
#   BENCH_LAB_TIMEOUT seconds for the whole run after L1's init
# bench/lab/l1-io-init runs in L1; tools/guest/tests/bench_io.sh in L2.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "${HERE}/.." && pwd)
export LOG_TAG=bench-lab-io
# shellcheck source=tools/guest/lib.sh
. "${REPO}/tools/guest/lib.sh"
# shellcheck source=bench/lab/host.sh
. "${HERE}/lab/host.sh"

bench_setup 3 "${REPO}/out/bench-lab-io" 300 "$@"

# L1: the lab's own initramfs (QEMU and zapotec inside) with our init in front.
bench_run "${HERE}/lab/l1-io-init" BENCH-IO BENCH_NET_MIB BENCH_BLK_MIB BENCH_IOPS_N BENCH_PING_N

echo "lab I/O benchmark: $(date -Is), zapotec $(git -C "${REPO}" rev-parse --short HEAD 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "L2: stock cloud kernel + guest initramfs, 1 vCPU, 256 MiB, virtio-net on L1's tap0, raw disk in L1's tmpfs; guest clock; medians of ok runs"
awk -v vmms="${VMMS}" '
    function median(vm, key,   m, i, j, t, v) {
        m = 0
        for (i = 1; i <= n[vm]; i++) if (val[vm, i, key] != "n/a") v[++m] = val[vm, i, key]
        if (m == 0) return "n/a"
        for (i = 2; i <= m; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
        return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
    }
    /^BENCH-IO / {
        delete f
        for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        vm = f["vmm"]; total[vm]++
        if (f["ok"] != 1) next
        k = ++n[vm]
        for (key in f) val[vm, k, key] = f[key]
    }
    END {
        nk = split("net_tx_mibs net_rx_mibs ping_pps ping_rtt_ms blk_write_mibs blk_read_mibs iops4k_write iops4k_read", keys, " ")
        split("L2->L1 MiB/s,L1->L2 MiB/s,ping -A packets/s,ping rtt avg ms,blk write MiB/s,blk read MiB/s,4k write IOPS,4k read IOPS", names, ",")
        nv = split(vmms, order, " ")
        hz = 0
        for (o = 1; o <= nv; o++) if (order[o] == "zapotec") hz = 1
        printf "%-22s", "metric"
        for (o = 1; o <= nv; o++) printf " %14s", order[o] " (" n[order[o]] + 0 "/" total[order[o]] + 0 ")"
        for (o = 1; o <= nv; o++) if (hz && order[o] != "zapotec") printf " %14s", "z/" order[o]
        printf "\n"
        for (k = 1; k <= nk; k++) {
            printf "%-22s", names[k]
            for (o = 1; o <= nv; o++) { med[order[o]] = median(order[o], keys[k]); printf " %14s", med[order[o]] }
            for (o = 1; o <= nv; o++) {
                vm = order[o]
                if (!hz || vm == "zapotec") continue
                if (med["zapotec"] == "n/a" || med[vm] == "n/a" || med[vm] + 0 == 0) printf " %14s", "n/a"
                else printf " %14.2f", med["zapotec"] / med[vm]
            }
            printf "\n"
        }
        print "(ratios: zapotec / QEMU; higher is better except for the round trip)"
    }' "${RESULTS}"
bench_exit BENCH-IO
