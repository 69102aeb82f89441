#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this and nothing else):
#   1. install the Debian packages it needs;
#   2. check formatting (clang-format);
#   3. build, then run the unit tests, the integration tests (tiny payloads on /dev/kvm)
#      and the nested-lab scenarios (a stock Debian kernel as an L2 guest);
#   4. build with AddressSanitizer + UndefinedBehaviorSanitizer and run the unit and
#      integration tests again;
#   5. build the libFuzzer targets and run each for FUZZ_SECONDS (default 30).
# Environment: FUZZ_SECONDS, SKIP_LAB=1 (leave the nested lab out), JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
JOBS=${JOBS:-$(nproc)}
passed=0
failed=0
log() { printf '\n== %s\n' "$*"; }

# Runs ctest and adds its counts to the totals; a failure is remembered, not fatal, so that
# every stage reports.
run_ctest() {
    local output
    output=$(mktemp)
    set +e
    ctest --output-on-failure --timeout 1500 "$@" 2>&1 | tee "${output}"
    local status=${PIPESTATUS[0]}
    set -e
    local line
    line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "${output}" | tail -1)
    rm -f "${output}"
    if [[ -z ${line} ]]; then
        echo "test: ctest $* ran no tests"
        failed=$((failed + 1))
        return
    fi
    local failures total
    failures=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"${line}")
    total=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"${line}")
    passed=$((passed + total - failures))
    failed=$((failed + failures))
    [[ ${status} -eq 0 || ${failures} -gt 0 ]] || failed=$((failed + 1))
}

log "dependencies"
tools/install-deps.sh

log "format"
if tools/check-format.sh; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
fi

log "build (RelWithDebInfo)"
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j "${JOBS}"

log "unit, integration and lab tests"
if [[ ${SKIP_LAB:-0} == 1 ]]; then
    (cd build && run_ctest -LE lab)
else
    cd build && run_ctest && cd ..
fi

log "build (ASan + UBSan)"
cmake -S . -B build-asan -G Ninja -DZAPOTEC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j "${JOBS}"

log "unit and integration tests under ASan + UBSan"
cd build-asan && run_ctest -LE lab && cd ..

log "fuzz targets (${FUZZ_SECONDS} s each)"
cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 >/dev/null
cmake --build build-fuzz -j "${JOBS}"
mkdir -p build-fuzz/corpus
for target in build-fuzz/*_fuzz; do
    name=$(basename "${target}")
    mkdir -p "build-fuzz/corpus/${name}"
    if "${target}" -max_total_time="${FUZZ_SECONDS}" -timeout=25 -rss_limit_mb=2048 \
        -artifact_prefix="build-fuzz/${name}-" "build-fuzz/corpus/${name}" \
        >"build-fuzz/${name}.log" 2>&1; then
        echo "fuzz ${name}: $(grep -E '^Done' "build-fuzz/${name}.log" | tail -1)"
        passed=$((passed + 1))
    else
        echo "fuzz ${name}: FAILED"
        tail -40 "build-fuzz/${name}.log"
        failed=$((failed + 1))
    fi
done

echo
echo "${passed} passed, ${failed} failed"
[[ ${failed} -eq 0 ]]
