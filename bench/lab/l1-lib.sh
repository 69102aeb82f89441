# L1 side of the nested-lab benchmarks, sourced by bench/lab/l1-*-init
# (busybox ash): L1's set-up (like tests/lab/l1-init), the VMM names of the
# benchmarks, and the end of the run. Defines BENCH_W, the work directory.
# shellcheck shell=dash

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root
BENCH_W=/tmp/bench

now() { cut -d' ' -f1 /proc/uptime; }

# Ends the run: "BENCH-L1: done", the UART drained (stty's TCSADRAIN), off.
bench_finish() {
    echo "BENCH-L1: done (uptime $(now))"
    sync
    stty -F /dev/console onlcr 2>/dev/null
    poweroff -f
}

# Mounts, the console, /lab/config and /bench/config, the kvm (and tun)
# modules; ends the run when /dev/kvm is missing.
bench_l1_setup() {
    mount -t devtmpfs devtmpfs /dev 2>/dev/null
    exec 0</dev/console 1>/dev/console 2>&1
    mount -t proc proc /proc
    echo "BENCH-L1: init started (uptime $(now))"
    mount -t sysfs sysfs /sys
    mkdir -p /dev/pts /dev/shm /tmp /run
    mount -t devpts devpts /dev/pts
    mount -t tmpfs tmpfs /dev/shm
    mount -t tmpfs -o size=1200m tmpfs /tmp
    mount -t tmpfs tmpfs /run
    # shellcheck source=/dev/null
    [ -f /lab/config ] && . /lab/config
    # shellcheck source=/dev/null
    . /bench/config
    while read -r mod; do
        insmod "/lib/modules/zapotec/${mod}" 2>/tmp/insmod.err ||
            echo "BENCH-L1: insmod ${mod} failed: $(cat /tmp/insmod.err)"
    done </lib/modules/zapotec/load-order
    if [ ! -c /dev/kvm ]; then
        echo "BENCH-L1: /dev/kvm missing"
        bench_finish
    fi
    echo "BENCH-L1: /dev/kvm ready (uptime $(now))"
    # shellcheck source=tests/lab/vmm.sh
    . /lab/vmm.sh
    mkdir -p "${BENCH_W}"
}

# select_vmm NAME: zapotec, qemu-q35 or qemu-microvm, for vmm_run.
select_vmm() {
    case $1 in
        zapotec) LAB_VMM=zapotec ;;
        qemu-q35) LAB_VMM=qemu LAB_QEMU_MACHINE=q35 ;;
        qemu-microvm) LAB_VMM=qemu LAB_QEMU_MACHINE=microvm ;;
        *) return 1 ;;
    esac
    export LAB_VMM LAB_QEMU_MACHINE
}

# bench_check_vmms LIST: ends the run unless every VMM of LIST can run.
bench_check_vmms() {
    for _v in $1; do
        if ! select_vmm "${_v}"; then
            echo "BENCH-L1: unknown VMM ${_v} (zapotec, qemu-q35, qemu-microvm)"
            bench_finish
        fi
        _why=$(vmm_check) || { echo "BENCH-L1: ${_v} cannot run: ${_why}"; bench_finish; }
    done
}

# bench_rounds RUNS FUNCTION VMM...: calls FUNCTION VMM RUN for every run and
# VMM, rotating the order each round so that no VMM always runs first.
bench_rounds() {
    _br_runs=$1 _br_fn=$2
    shift 2
    _br_i=1 _br_v=
    while [ "${_br_i}" -le "${_br_runs}" ]; do
        _br_k=0
        while [ "${_br_k}" -lt $# ]; do
            _br_idx=$(((_br_i - 1 + _br_k) % $# + 1))
            eval "_br_v=\${${_br_idx}}"
            "${_br_fn}" "${_br_v}" "${_br_i}"
            _br_k=$((_br_k + 1))
        done
        _br_i=$((_br_i + 1))
    done
}
