# Host side of the nested-lab benchmarks (bench/lab_boot.sh, bench/lab_io.sh):
# their common options and checks, building L1 around one of
# bench/lab/l1-*-init and booting it, retrying a boot that hangs in TCG.
# Source it after tools/guest/lib.sh (with REPO set); it defines functions.
# shellcheck shell=bash

# bench_setup DEFAULT_RUNS DEFAULT_OUT DEFAULT_L2_TIMEOUT "$@": parses the
# options every lab benchmark takes (--runs N, --vmms "...", --report,
# --help), checks the tools and the zapotec binary, takes the benchmark lock
# and sets RUNS, VMMS, NVMM, REPORT_ONLY (1 with --report: print the figures
# of the last run again), ZAPOTEC_BIN, OUT, BENCH_L2_TIMEOUT,
# LAB_BOOT_TIMEOUT, BENCH_LAB_TIMEOUT.
bench_setup() {
    RUNS=$1 OUT=${BENCH_LAB_OUT:-$2} BENCH_L2_TIMEOUT=${BENCH_L2_TIMEOUT:-$3}
    shift 3
    VMMS="zapotec qemu-q35 qemu-microvm" REPORT_ONLY=0
    while [[ $# -gt 0 ]]; do
        case $1 in
            --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
            --runs=*) RUNS=${1#*=}; shift ;;
            --vmms) VMMS=${2:?--vmms needs a value}; shift 2 ;;
            --vmms=*) VMMS=${1#*=}; shift ;;
            --report) REPORT_ONLY=1; shift ;;
            -h | --help)
                # The script's leading comment block.
                awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
                exit 0
                ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
    done
    [[ ${RUNS} =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
    local v tool
    for v in ${VMMS}; do
        case ${v} in zapotec | qemu-q35 | qemu-microvm) ;; *) die "unknown VMM '${v}'" ;; esac
    done
    NVMM=$(wc -w <<<"${VMMS}")
    ZAPOTEC_BIN=${ZAPOTEC_BIN:-${REPO}/build/zapotec}
    LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-120}
    BENCH_LAB_TIMEOUT=${BENCH_LAB_TIMEOUT:-$((120 + RUNS * NVMM * BENCH_L2_TIMEOUT))}
    mkdir -p "${OUT}"
    OUT=$(cd "${OUT}" && pwd)
    ((REPORT_ONLY)) && return 0
    [[ -x ${ZAPOTEC_BIN} ]] || die "zapotec binary not found at ${ZAPOTEC_BIN} (build it or set ZAPOTEC_BIN)"
    for tool in qemu-system-x86_64 cpio flock awk; do
        command -v "${tool}" >/dev/null || die "${tool} not found (apt-get install qemu-system-x86 cpio util-linux gawk)"
    done
    # One benchmark at a time on this machine (shared with bench/boot_time.py).
    exec 9>>/tmp/zapotec-bench.lock
    if ! flock -n 9; then
        log "another benchmark holds /tmp/zapotec-bench.lock; waiting for it"
        flock 9
    fi
    trap bench_stop_l1 EXIT
    trap 'exit 130' INT TERM
}

# bench_build_l1 OUT INIT ZAPOTEC_BIN: L1's kernel and initramfs in OUT: the
# lab's own initramfs (tests/lab/build-l1.sh with LAB_VMM=qemu, so QEMU and
# zapotec are both inside) behind a small uncompressed cpio holding
# /bench/init (INIT), /bench/l1-lib.sh and /bench/config (read from stdin).
# The kernel unpacks both archives, like an early-microcode one; their files
# do not clash.
bench_build_l1() {
    local out=$1 init=$2 zapotec=$3 stage
    log "building L1 (tests/lab/build-l1.sh, LAB_VMM=qemu)"
    LAB_OUT=${out}/l1 LAB_VMM=qemu GUEST_OUT=${GUEST_OUT:-${out}/guest} \
        "${REPO}/tests/lab/build-l1.sh" "${zapotec}"
    stage=$(mktemp -d "${out}/bench.stage.XXXXXX")
    mkdir -p "${stage}/bench"
    install -m 755 "${init}" "${stage}/bench/init"
    install -m 644 "${REPO}/bench/lab/l1-lib.sh" "${stage}/bench/l1-lib.sh"
    cat >"${stage}/bench/config"
    (cd "${stage}" && find bench | cpio -o -H newc --quiet) >"${out}/bench.cpio"
    rm -rf "${stage}"
    cat "${out}/bench.cpio" "${out}/l1/l1-initrd.img" >"${out}/l1-bench-initrd.img"
    rm -f "${out}/bench.cpio"
}

BENCH_QEMU_PID=
bench_stop_l1() {
    if [[ -n ${BENCH_QEMU_PID} ]]; then
        kill "${BENCH_QEMU_PID}" 2>/dev/null || true
        wait "${BENCH_QEMU_PID}" 2>/dev/null || true
        BENCH_QEMU_PID=
    fi
}

# bench_boot_once OUT LOG TIMEOUT PREFIX: boots L1 (the machine of
# tests/lab/run-lab.sh and LAB.md) with rdinit=/bench/init; echoes the L1
# console's PREFIX lines to stderr as they come. 0 when L1 finished (or
# TIMEOUT seconds after its init hit: the log tells), 3 when its init never
# spoke within LAB_BOOT_TIMEOUT.
bench_boot_once() {
    local out=$1 logfile=$2 timeout=$3 prefix=$4 start=${SECONDS} deadline seen=0 n
    : >"${logfile}"
    qemu-system-x86_64 -accel tcg -cpu "EPYC,+svm,+npt,-xsave,-avx,-avx2,-fma,-f16c" \
        -m 2048 -smp 2 -nographic -nic none -no-reboot \
        -kernel "${out}/l1/l1-vmlinuz" -initrd "${out}/l1-bench-initrd.img" \
        -append "console=ttyS0 panic=-1 quiet rdinit=/bench/init" </dev/null >"${logfile}" 2>&1 &
    BENCH_QEMU_PID=$!
    while ! grep -q 'BENCH-L1: init started' "${logfile}"; do
        if ! kill -0 "${BENCH_QEMU_PID}" 2>/dev/null || ((SECONDS - start > LAB_BOOT_TIMEOUT)); then
            log "L1 did not reach its init (within ${LAB_BOOT_TIMEOUT}s)"
            bench_stop_l1
            return 3
        fi
        sleep 0.2
    done
    log "L1 init started after $((SECONDS - start))s (log: ${logfile})"
    deadline=$((SECONDS + timeout))
    while :; do
        n=$(grep -c "^${prefix} " "${logfile}" || true)
        if ((n > seen)); then
            tr -d '\r' <"${logfile}" | grep "^${prefix} " | tail -n $((n - seen)) | sed 's/^/    /' >&2
            seen=${n}
        fi
        kill -0 "${BENCH_QEMU_PID}" 2>/dev/null || break
        if ((SECONDS > deadline)); then
            log "the run passed its ${timeout}s; stopping L1"
            bench_stop_l1
            break
        fi
        sleep 1
    done
    wait "${BENCH_QEMU_PID}" 2>/dev/null || true
    BENCH_QEMU_PID=
    return 0
}

# bench_boot_l1 OUT LOG TIMEOUT PREFIX: bench_boot_once, retried once when
# L1's init never spoke (TCG hangs about 1 boot in 20); dies if it never does.
bench_boot_l1() {
    local status=0
    bench_boot_once "$@" || status=$?
    if ((status == 3)); then
        log "retrying the L1 boot once (TCG hangs about 1 boot in 20)"
        status=0
        bench_boot_once "$@" || status=$?
        ((status == 3)) && die "L1 never reached its init (see $2)"
    fi
    return 0
}

# bench_run INIT PREFIX VAR...: unless --report, builds L1 with INIT as its
# /bench/init and /bench/config holding BENCH_RUNS, BENCH_VMMS,
# BENCH_L2_TIMEOUT and each VAR that is set, boots it, and writes the
# console's "PREFIX ", "BENCH-LOG " and "BENCH-L1: " lines to RESULTS. Sets
# LOG (OUT/l1-console.log) and RESULTS (OUT/results.txt) either way.
bench_run() {
    local init=$1 prefix=$2 var started
    shift 2
    LOG=${OUT}/l1-console.log
    RESULTS=${OUT}/results.txt
    ((REPORT_ONLY)) && return 0
    {
        printf '# Written by %s.\n' "$0"
        printf 'BENCH_RUNS=%q\nBENCH_VMMS=%q\nBENCH_L2_TIMEOUT=%q\n' "${RUNS}" "${VMMS}" "${BENCH_L2_TIMEOUT}"
        for var in "$@"; do
            if [[ -n ${!var:-} ]]; then printf '%s=%q\n' "${var}" "${!var}"; fi
        done
    } | bench_build_l1 "${OUT}" "${init}" "${ZAPOTEC_BIN}"
    rm -f "${RESULTS}" "${LOG}"
    started=${SECONDS}
    log "${RUNS} runs x ${NVMM} VMMs"
    bench_boot_l1 "${OUT}" "${LOG}" "${BENCH_LAB_TIMEOUT}" "${prefix}"
    tr -d '\r' <"${LOG}" | grep -E "^(${prefix} |BENCH-LOG |BENCH-L1: )" >"${RESULTS}" || true
    log "finished in $((SECONDS - started))s; results in ${RESULTS}"
}

# bench_exit PREFIX: lists the failed runs and L1's complaints, then exits 0
# when every run reported ok=1, 1 when some failed, 2 when some never reported.
bench_exit() {
    local prefix=$1 expected got
    if grep -q "^${prefix} .* ok=0 " "${RESULTS}"; then
        echo "failed runs (excluded):"
        grep -E "^(${prefix} .* ok=0 |BENCH-LOG )" "${RESULTS}" | sed 's/^/  /'
    fi
    grep '^BENCH-L1: ' "${RESULTS}" | grep -v 'init started\|kvm ready\|done' | sed 's/^/  /' || true
    expected=$((RUNS * NVMM))
    got=$(grep -c "^${prefix} " "${RESULTS}" || true)
    if ((got < expected)); then
        log "error: only ${got} of ${expected} runs reported (see ${LOG})"
        exit 2
    fi
    grep -q "^${prefix} .* ok=0 " "${RESULTS}" && exit 1
    exit 0
}
