#!/usr/bin/env bash
# Boots the lab's L1 (made by build-l1.sh) in QEMU TCG with nested SVM.
# Usage: tests/lab/run-lab.sh [test|interactive|shell]   (default test)
#   test         L1 runs every scenario and powers off. The whole L1 console
#                goes to $LAB_OUT/l1-console.log, the "LAB-RESULT" lines to
#                $LAB_OUT/results.txt. Exit status: 0 all scenarios passed,
#                1 some failed, 2 the lab itself did not run to the end.
#   interactive  L1 runs the default guest under the VMM on this terminal;
#                Ctrl-A x leaves the outer QEMU at any time.
#   shell        a busybox shell in L1.
# Environment: LAB_OUT (default out/lab), LAB_ONLY (comma list of scenarios),
# LAB_VMM (override the VMM built into L1), LAB_TIMEOUT (seconds for the whole
# test run, default 840), LAB_BOOT_TIMEOUT (seconds until L1's init must
# speak, default 120; the boot is retried once, see docs/lab.md).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "${HERE}/../.." && pwd)
LOG_TAG=lab-run
# shellcheck source=tools/guest/lib.sh
. "${REPO}/tools/guest/lib.sh"

MODE=${1:-test}
LAB_OUT=${LAB_OUT:-${REPO}/out/lab}
LAB_TIMEOUT=${LAB_TIMEOUT:-840}
LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-120}
LAB_ONLY=${LAB_ONLY:-}
INIT_MARKER='LAB-L1: init started'
DONE_MARKER='LAB-L1: done'

case ${MODE} in
    test | interactive | shell) ;;
    *) die "usage: $0 [test|interactive|shell]" ;;
esac
[[ -d ${LAB_OUT} ]] || die "no ${LAB_OUT}; run tests/lab/build-l1.sh first"
LAB_OUT=$(cd "${LAB_OUT}" && pwd)
KERNEL=${LAB_OUT}/l1-vmlinuz
INITRD=${LAB_OUT}/l1-initrd.img
[[ -f ${KERNEL} && -f ${INITRD} ]] || die "no L1 kernel/initrd in ${LAB_OUT}; run tests/lab/build-l1.sh first"
ensure_pkgs qemu-system-x86
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"

append="console=ttyS0 panic=-1 quiet lab.mode=${MODE}"
[[ -n ${LAB_VMM:-} ]] && append+=" lab.vmm=${LAB_VMM}"
[[ -n ${LAB_ONLY} ]] && append+=" lab.only=${LAB_ONLY}"
# The L1 machine, exactly as measured in /work/shared/LAB.md (docs/lab.md):
# EPYC with SVM and NPT, without XSAVE and the AVX family.
QEMU=(qemu-system-x86_64 -accel tcg -cpu "EPYC,+svm,+npt,-xsave,-avx,-avx2,-fma,-f16c"
    -m 2048 -smp 2 -nographic -nic none -no-reboot
    -kernel "${KERNEL}" -initrd "${INITRD}" -append "${append}")

if [[ ${MODE} != test ]]; then
    log "booting L1 (${MODE}); Ctrl-A x quits QEMU"
    log "console log: ${LAB_OUT}/l1-${MODE}.log"
    if [[ -t 0 && -t 1 ]] && command -v script >/dev/null; then
        # script(1) keeps the terminal a terminal for QEMU and logs it.
        exec script -q -e -f -c "$(printf '%q ' "${QEMU[@]}")" "${LAB_OUT}/l1-${MODE}.log"
    fi
    exec "${QEMU[@]}"
fi

LOG=${LAB_OUT}/l1-console.log
RESULTS=${LAB_OUT}/results.txt
rm -f "${RESULTS}" "${LOG}" "${LAB_OUT}"/l1-console.attempt*.log

qemu_pid=
cleanup() {
    if [[ -n ${qemu_pid} ]] && kill -0 "${qemu_pid}" 2>/dev/null; then
        kill "${qemu_pid}" 2>/dev/null || true
        wait "${qemu_pid}" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# boot_l1 LOGFILE: boots L1 in the background. Returns 0 once L1 has finished
# (or the overall timeout hit: the log tells), 3 if its init never spoke.
boot_l1() {
    local logfile=$1 start now
    start=$(date +%s.%N)
    : >"${logfile}"
    "${QEMU[@]}" </dev/null >"${logfile}" 2>&1 &
    qemu_pid=$!
    while ! grep -q "${INIT_MARKER}" "${logfile}"; do
        if ! kill -0 "${qemu_pid}" 2>/dev/null; then
            wait "${qemu_pid}" || true
            qemu_pid=
            log "QEMU exited before L1's init started"
            return 3
        fi
        now=$(date +%s.%N)
        if awk -v a="${start}" -v b="${now}" -v t="${LAB_BOOT_TIMEOUT}" 'BEGIN { exit !(b - a > t) }'; then
            log "L1 did not reach its init within ${LAB_BOOT_TIMEOUT}s"
            cleanup
            qemu_pid=
            return 3
        fi
        sleep 0.2
    done
    L1_BOOT_SECONDS=$(awk -v a="${start}" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    log "L1 init started after ${L1_BOOT_SECONDS}s (host clock)"
    local deadline=$((SECONDS + LAB_TIMEOUT))
    while kill -0 "${qemu_pid}" 2>/dev/null; do
        if ((SECONDS > deadline)); then
            log "the lab ran past LAB_TIMEOUT=${LAB_TIMEOUT}s; stopping QEMU"
            cleanup
            break
        fi
        sleep 1
    done
    wait "${qemu_pid}" 2>/dev/null || true
    qemu_pid=
    return 0
}

log "booting L1 (test mode${LAB_ONLY:+, only ${LAB_ONLY}}); console: ${LOG}"
started=${SECONDS}
attempt=1
status=0
boot_l1 "${LAB_OUT}/l1-console.attempt1.log" || status=$?
if [[ ${status} -eq 3 ]]; then
    log "retrying the L1 boot once (TCG hangs about 1 boot in 20)"
    attempt=2
    status=0
    boot_l1 "${LAB_OUT}/l1-console.attempt2.log" || status=$?
fi
mv "${LAB_OUT}/l1-console.attempt${attempt}.log" "${LOG}"
if [[ ${status} -eq 3 ]]; then
    log "error: L1 never reached its init (see ${LOG})"
    exit 2
fi

tr -d '\r' <"${LOG}" | grep '^LAB-RESULT ' >"${RESULTS}" || true
log "lab finished in $((SECONDS - started))s (L1 boot ${L1_BOOT_SECONDS}s, attempt ${attempt})"
sed 's/^/    /' "${RESULTS}" >&2

# Every expected scenario must have reported.
# Without LAB_ONLY: those of the VMM that L1 runs (scenarios.list), which is
# LAB_VMM or else the one build-l1.sh baked in.
vmm=${LAB_VMM:-$(sed -n 's/^LAB_VMM=//p' "${LAB_OUT}/l1-config" 2>/dev/null)}
expected=$(if [[ -n ${LAB_ONLY} ]]; then tr ',' '\n' <<<"${LAB_ONLY}"; else "${HERE}/scenarios.sh" --list "${vmm:-zapotec}"; fi)
unreported=0
while read -r scn; do
    [[ -z ${scn} ]] && continue
    grep -q "^LAB-RESULT ${scn} " "${RESULTS}" || { log "no result for ${scn}"; unreported=1; }
done <<<"${expected}"
if ! tr -d '\r' <"${LOG}" | grep -q "^${DONE_MARKER}"; then
    log "error: L1 did not finish the scenarios (no '${DONE_MARKER}' in ${LOG})"
    exit 2
fi
((unreported == 0)) || exit 2
grep -q '^LAB-RESULT [^ ]* FAIL' "${RESULTS}" && exit 1
exit 0
