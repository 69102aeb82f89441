#!/usr/bin/env bash
# CTest fixture "lab.run": builds L1 around the given zapotec binary and runs
# every scenario. Passes when the lab ran to the end, whatever the scenarios
# said (the lab.<scenario> tests judge those); fails when the lab itself could
# not run (no QEMU, L1 hung twice, no result for some scenario).
# Usage: tests/lab/ctest-run.sh ZAPOTEC_BIN LAB_OUT
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -eq 2 ]] || { echo "usage: $0 ZAPOTEC_BIN LAB_OUT" >&2; exit 2; }
export ZAPOTEC_BIN=$1 LAB_OUT=$2
mkdir -p "${LAB_OUT}"
# A stale results file must never let a scenario pass.
rm -f "${LAB_OUT}/results.txt"

"${HERE}/build-l1.sh" "${ZAPOTEC_BIN}"
status=0
"${HERE}/run-lab.sh" test || status=$?
case ${status} in
    0) echo "lab.run: every scenario passed" ;;
    1) echo "lab.run: the lab ran; some scenarios failed (see the lab.<scenario> tests)" ;;
    *) echo "lab.run: the lab did not run to the end (status ${status}); see ${LAB_OUT}/l1-console.log" >&2
       exit 1 ;;
esac
