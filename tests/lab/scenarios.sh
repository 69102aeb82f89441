#!/bin/sh
# The lab scenarios, run in L1 (busybox ash). Each boots the default guest as
# L2 through vmm_run (vmm.sh) with zapotec.test=NAME on its command line, greps
# the guest's "GUEST-RESULT key=value" lines from the captured console, and
# prints exactly one line to the L1 console:
#   LAB-RESULT <scenario> PASS|FAIL <detail>
# followed, on failure, by "LAB-LOG <scenario> | <line>" excerpts.
# Usage: scenarios.sh [SCENARIO...]   (default: all that run with $LAB_VMM,
#                                      from scenarios.list)
#        scenarios.sh --list [VMM]    (the names; runs on the host too)
# The network, rate-limit and API scenarios live in scenarios-net.sh and
# scenarios-api.sh, sourced below.
# Environment: LAB_VMM (see vmm.sh), LAB_L2_TIMEOUT (seconds per guest run),
# LAB_L2_CMDLINE_EXTRA (appended to every guest command line).
# shellcheck shell=dash
set -u

LAB_DIR=$(dirname "$0")

# list_scenarios [VMM]: the scenario names of scenarios.list, in order; with
# VMM, only those that run with it. A line is "NAME [VMM...]": a name alone
# runs with every VMM, otherwise only with the VMMs listed.
list_scenarios() {
    awk -v vmm="${1:-}" '
        NF == 0 || $1 ~ /^#/ { next }
        vmm == "" || NF == 1 { print $1; next }
        { for (i = 2; i <= NF; i++) if ($i == vmm) { print $1; next } }' "${LAB_DIR}/scenarios.list"
}

if [ "${1:-}" = --list ]; then
    list_scenarios "${2:-}"
    exit 0
fi

# shellcheck source=tests/lab/vmm.sh
. "${LAB_DIR}/vmm.sh"

LAB_L2_TIMEOUT=${LAB_L2_TIMEOUT:-90}
LAB_L2_CMDLINE_EXTRA=${LAB_L2_CMDLINE_EXTRA:-}
WORK=/tmp/lab
# Must match HELLO_TEXT in tools/guest/build.sh.
HELLO_TEXT="hello from the zapotec rootfs"
mkdir -p "${WORK}"

now() { cut -d' ' -f1 /proc/uptime; }

# bg_start SCENARIO COMMAND...: starts COMMAND in the background under
# `timeout -s KILL $LAB_L2_TIMEOUT`, its stdout (the guest console) into
# $WORK/SCENARIO.raw and its stderr into $WORK/SCENARIO.err; sets BG_PID.
bg_start() {
    _scn=$1
    shift
    rm -f "${WORK}/${_scn}.raw" "${WORK}/${_scn}.out" "${WORK}/${_scn}.err"
    BG_T0=$(now)
    timeout -s KILL "${LAB_L2_TIMEOUT}" "$@" </dev/null >"${WORK}/${_scn}.raw" 2>"${WORK}/${_scn}.err" &
    BG_PID=$!
}

# bg_wait SCENARIO: waits for the command bg_start started; sets RC,
# SECONDS_TAKEN and TIMED_OUT and writes $WORK/SCENARIO.out (the console
# without carriage returns).
bg_wait() {
    wait "${BG_PID}"
    RC=$?
    SECONDS_TAKEN=$(awk -v a="${BG_T0}" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    tr -d '\r' <"${WORK}/$1.raw" >"${WORK}/$1.out"
    if [ "${RC}" -eq 137 ]; then
        TIMED_OUT=1
    else
        TIMED_OUT=0
    fi
}

# bg_wait_for SCENARIO PATTERN SECONDS: waits until the console of the running
# command shows a line matching the basic regex PATTERN; fails when the
# command ended or SECONDS passed first.
bg_wait_for() {
    _deadline=$(awk -v a="$(now)" -v b="$3" 'BEGIN { printf "%d", a + b + 1 }')
    while ! grep -q "$2" "${WORK}/$1.raw" 2>/dev/null; do
        kill -0 "${BG_PID}" 2>/dev/null || return 1
        _t=$(now)
        [ "${_t%.*}" -lt "${_deadline}" ] || return 1
        sleep 0.2
    done
}

# guest_start SCENARIO TEST CPUS MEMORY_MIB EXTRA_CMDLINE [DEVICE...]
# Starts the guest test TEST in the background (bg_start; DEVICE as vmm_run
# takes it).
guest_start() {
    _scn=$1 _test=$2 _cpus=$3 _mem=$4 _extra=$5
    shift 5
    _cmdline="console=ttyS0 quiet panic=-1 zapotec.test=${_test} ${_extra} ${LAB_L2_CMDLINE_EXTRA}"
    # shellcheck disable=SC2016 # expanded by the inner shell
    bg_start "${_scn}" sh -c '. "$0"; VMM_EXEC=exec; vmm_run "$@"' "${LAB_DIR}/vmm.sh" \
        "${_cpus}" "${_mem}" "${_cmdline}" "$@"
}

# run_guest SCENARIO TEST CPUS MEMORY_MIB EXTRA_CMDLINE [DEVICE...]
# Runs the guest test TEST to its end; sets RC and SECONDS_TAKEN; the console
# goes to $WORK/SCENARIO.out (carriage returns removed), stderr to
# $WORK/SCENARIO.err.
run_guest() {
    guest_start "$@"
    bg_wait "$1"
}

# guest_value SCENARIO KEY: the last value the guest reported for KEY.
guest_value() {
    sed -n "s/^.*GUEST-RESULT $2=//p" "${WORK}/$1.out" | tail -n 1
}

# Scenario verdicts: fail REASON appends to the list of problems.
PROBLEMS=
fail() { PROBLEMS="${PROBLEMS}${PROBLEMS:+; }$*"; }

# report SCENARIO DETAIL: prints the LAB-RESULT line (and logs on failure).
report() {
    _scn=$1 _detail=$2
    if [ "${TIMED_OUT:-0}" -eq 1 ]; then
        fail "timed out after ${LAB_L2_TIMEOUT}s"
    fi
    if [ -z "${PROBLEMS}" ]; then
        echo "LAB-RESULT ${_scn} PASS ${_detail}"
    else
        echo "LAB-RESULT ${_scn} FAIL ${PROBLEMS}; ${_detail}"
        for _f in out err; do
            [ -s "${WORK}/${_scn}.${_f}" ] || continue
            if [ "${_f}" = out ]; then
                echo "LAB-LOG ${_scn} | --- last lines of the guest console (the VMM's stdout) ---"
            else
                echo "LAB-LOG ${_scn} | --- last lines of the VMM's stderr ---"
            fi
            tail -n 40 "${WORK}/${_scn}.${_f}" | sed "s/^/LAB-LOG ${_scn} | /"
        done
    fi
    PROBLEMS=
    TIMED_OUT=0
}

# The VMM's exit status, the wall time of the whole L2 run as L1 sees it, and
# the guest's uptime when its /init ran the test.
common_detail() {
    _up=$(guest_value "$1" init_uptime)
    echo "rc=${RC} time=${SECONDS_TAKEN}s guest_init_at=${_up:-?}s"
}

scenario_boot() {
    _scn=$1 _cpus=$2 _mem=$3
    run_guest "${_scn}" boot "${_cpus}" "${_mem}" ""
    _nproc=$(guest_value "${_scn}" nproc)
    _kib=$(guest_value "${_scn}" memtotal_kib)
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    [ "${_nproc}" = "${_cpus}" ] || fail "nproc=${_nproc:-none}, expected ${_cpus}"
    if [ -z "${_kib}" ] || [ "${_kib}" -gt $((_mem * 1024)) ] ||
        [ "${_kib}" -lt $(((_mem - 64) * 1024)) ]; then
        fail "MemTotal=${_kib:-none} KiB outside [$(((_mem - 64) * 1024)), $((_mem * 1024))]"
    fi
    [ "$(guest_value "${_scn}" "done")" = boot ] || fail "guest did not finish the test"
    report "${_scn}" "cpus=${_cpus} nproc=${_nproc} memory=${_mem}MiB memtotal_kib=${_kib} $(common_detail "${_scn}")"
}

scenario_boot_1cpu() { scenario_boot boot_1cpu 1 128; }
scenario_boot_2cpu() { scenario_boot boot_2cpu 2 256; }

scenario_blk_rw() {
    _disk=${WORK}/blk_rw.ext4
    cp /l2/rootfs.ext4 "${_disk}"
    _token=$(tr -d '-' </proc/sys/kernel/random/uuid)
    run_guest blk_rw blk_rw 1 128 "zapotec.token=${_token}" "${_disk}"
    _hello=$(guest_value blk_rw hello)
    _read=$(debugfs -R "cat /newfile" "${_disk}" 2>/dev/null)
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    [ "$(guest_value blk_rw mount)" = ok ] || fail "guest mount=$(guest_value blk_rw mount)"
    [ "${_hello}" = "${HELLO_TEXT}" ] || fail "guest read hello='${_hello}'"
    [ "$(guest_value blk_rw write)" = ok ] || fail "guest write=$(guest_value blk_rw write)"
    [ "${_read}" = "${_token}" ] || fail "image /newfile='${_read}', expected '${_token}'"
    report blk_rw "hello_read=$([ "${_hello}" = "${HELLO_TEXT}" ] && echo ok || echo bad) newfile_on_host=$([ "${_read}" = "${_token}" ] && echo ok || echo bad) $(common_detail blk_rw)"
}

scenario_blk_ro() {
    _disk=${WORK}/blk_ro.ext4
    cp /l2/rootfs.ext4 "${_disk}"
    _before=$(md5sum <"${_disk}")
    run_guest blk_ro blk_ro 1 128 "" "${_disk},ro"
    _after=$(md5sum <"${_disk}")
    _dd=$(guest_value blk_ro dd_write)
    _rw=$(guest_value blk_ro mount_rw)
    _fw=$(guest_value blk_ro file_write)
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    [ "$(guest_value blk_ro mount_ro)" = ok ] || fail "read-only mount failed"
    [ "$(guest_value blk_ro hello)" = "${HELLO_TEXT}" ] || fail "guest read hello='$(guest_value blk_ro hello)'"
    [ "${_dd}" = fail ] || fail "raw write to /dev/vda: ${_dd:-no report}"
    [ "${_rw}" = ro ] || [ "${_rw}" = fail ] || fail "read-write mount gave '${_rw:-no report}'"
    [ "${_fw}" = fail ] || fail "file write: ${_fw:-no report}"
    [ "${_before}" = "${_after}" ] || fail "the image changed"
    report blk_ro "blockdev_ro=$(guest_value blk_ro blockdev_ro) dd_write=${_dd} mount_rw=${_rw} file_write=${_fw} image_unchanged=$([ "${_before}" = "${_after}" ] && echo yes || echo no) $(common_detail blk_ro)"
}

scenario_rng() {
    run_guest rng rng 1 128 ""
    _cur=$(guest_value rng rng_current)
    _bytes=$(guest_value rng rng_bytes)
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    case ${_cur} in virtio_rng*) ;; *) fail "rng_current='${_cur}', expected virtio_rng.N" ;; esac
    [ "${_bytes}" = 16 ] || fail "read ${_bytes:-no} bytes from /dev/hwrng, expected 16"
    report rng "rng_current=${_cur} bytes=${_bytes} hex=$(guest_value rng rng_hex) $(common_detail rng)"
}

scenario_reboot() {
    run_guest reboot reboot 1 128 ""
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    [ "$(guest_value reboot reboot)" = requested ] || fail "guest never asked to reboot"
    report reboot "$(common_detail reboot)"
}

scenario_panic() {
    run_guest panic panic 1 128 "panic=1"
    _line=$(grep -m 1 -E "$(vmm_panic_pattern)" "${WORK}/panic.err")
    [ "$(guest_value panic panic)" = requested ] || fail "guest never reached the panic"
    [ "${RC}" -ne 0 ] || fail "exit status 0 after a guest panic"
    [ -n "${_line}" ] || fail "no line matching /$(vmm_panic_pattern)/ on stderr"
    report panic "pvpanic_devices=$(guest_value panic pvpanic_devices) stderr='${_line}' $(common_detail panic)"
}

# shellcheck source=tests/lab/scenarios-net.sh
. "${LAB_DIR}/scenarios-net.sh"
# shellcheck source=tests/lab/scenarios-api.sh
. "${LAB_DIR}/scenarios-api.sh"

if [ $# -eq 0 ]; then
    # shellcheck disable=SC2046 # one scenario name per word
    set -- $(list_scenarios "${LAB_VMM}")
fi
if ! _why=$(vmm_check); then
    for _scn in "$@"; do
        echo "LAB-RESULT ${_scn} FAIL ${_why} (LAB_VMM=${LAB_VMM})"
    done
    exit 1
fi
for _scn in "$@"; do
    if list_scenarios "${LAB_VMM}" | grep -qx "${_scn}"; then
        "scenario_${_scn}"
    elif list_scenarios | grep -qx "${_scn}"; then
        echo "LAB-RESULT ${_scn} FAIL not available with LAB_VMM=${LAB_VMM} (scenarios.list)"
    else
        echo "LAB-RESULT ${_scn} FAIL no such scenario"
    fi
done
