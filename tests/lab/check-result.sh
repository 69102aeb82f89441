#!/usr/bin/env bash
# CTest "lab.<scenario>": passes iff the lab's results file says
# "LAB-RESULT <scenario> PASS". On failure prints the result line and the
# scenario's log excerpt from the L1 console log.
# Usage: tests/lab/check-result.sh RESULTS_FILE CONSOLE_LOG SCENARIO
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 RESULTS_FILE CONSOLE_LOG SCENARIO" >&2; exit 2; }
results=$1 log=$2 scenario=$3

if [[ ! -f ${results} ]]; then
    echo "FAIL: no results file ${results}: the lab did not run (see lab.run)"
    if [[ -f ${log} ]]; then
        echo "--- last lines of ${log} ---"
        tail -n 30 "${log}" | tr -d '\r'
    fi
    exit 1
fi
line=$(grep -m 1 "^LAB-RESULT ${scenario} " "${results}" || true)
if [[ ${line} == "LAB-RESULT ${scenario} PASS"* ]]; then
    echo "${line}"
    exit 0
fi
echo "FAIL: ${line:-no LAB-RESULT line for ${scenario} in ${results}}"
if [[ -f ${log} ]]; then
    excerpt=$(tr -d '\r' <"${log}" | grep "^LAB-LOG ${scenario} |" || true)
    if [[ -n ${excerpt} ]]; then
        echo "--- log excerpt (${log}) ---"
        printf '%s\n' "${excerpt}"
    fi
fi
exit 1
