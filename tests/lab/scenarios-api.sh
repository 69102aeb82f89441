# The lab's control-API scenarios (api_boot, api_pause, api_ctrl_alt_del),
# sourced by scenarios.sh: zapotec only (scenarios.list), since they drive
# zapotec's Firecracker-compatible REST API on a Unix socket with curl, as a
# user would (docs/lab.md). They use scenarios.sh's helpers.
# shellcheck shell=dash

LAB_API_SOCK=${WORK}/zapotec.sock

# api_call METHOD PATH [JSON]: one request; sets API_CODE (the HTTP status,
# 000 when there was no answer) and API_TIME (curl's total seconds); the
# response body is in $WORK/api.body.
api_call() {
    if [ -n "${3:-}" ]; then
        set -- "$1" "$2" -H 'Content-Type: application/json' -d "$3"
    fi
    _m=$1 _p=$2
    shift 2
    _r=$(curl -s -o "${WORK}/api.body" -w '%{http_code} %{time_total}' --max-time 10 \
        --unix-socket "${LAB_API_SOCK}" -X "${_m}" -H 'Accept: application/json' "$@" \
        "http://localhost${_p}")
    API_CODE=${_r%% *} API_TIME=${_r#* }
}

# api_expect METHOD PATH JSON STATUS: api_call, and fail() unless it answered
# STATUS; returns 1 then.
api_expect() {
    api_call "$1" "$2" "$3"
    [ "${API_CODE}" = "$4" ] && return 0
    fail "$1 $2: HTTP ${API_CODE:-none}, expected $4 ($(head -c 200 "${WORK}/api.body" 2>/dev/null))"
    return 1
}

# api_state: the VM state GET / reports ("Not started", "Running", "Paused").
api_state() {
    api_call GET /
    sed -n 's/.*"state" *: *"\([^"]*\)".*/\1/p' "${WORK}/api.body"
}

# api_check_state WANT WHEN: fail() unless GET / says WANT.
api_check_state() {
    _st=$(api_state)
    [ "${_st}" = "$1" ] || fail "GET / $2: state '${_st}' (HTTP ${API_CODE}), expected '$1'"
}

# api_start SCENARIO: starts `zapotec --api-sock` in the background (bg_start)
# and waits up to 10 s for its socket; sets SOCKET_READY (seconds, L1 clock).
api_start() {
    rm -f "${LAB_API_SOCK}"
    bg_start "$1" zapotec --api-sock "${LAB_API_SOCK}"
    _n=0
    while [ ! -S "${LAB_API_SOCK}" ] && [ "${_n}" -lt 100 ] && kill -0 "${BG_PID}" 2>/dev/null; do
        sleep 0.1
        _n=$((_n + 1))
    done
    SOCKET_READY=$(awk -v a="${BG_T0}" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    [ -S "${LAB_API_SOCK}" ] && return 0
    fail "no API socket ${LAB_API_SOCK} after ${SOCKET_READY}s"
    return 1
}

# api_boot_guest TEST CPUS MEMORY_MIB EXTRA_CMDLINE [DISK]: the curl sequence
# of issue 4: boot-source, the root drive, machine-config, InstanceStart.
api_boot_guest() {
    _args="console=ttyS0 quiet panic=-1 zapotec.test=$1 $4 ${LAB_L2_CMDLINE_EXTRA}"
    api_expect PUT /boot-source "{\"kernel_image_path\": \"${L2_KERNEL}\", \"initrd_path\": \"${L2_INITRD}\", \"boot_args\": \"${_args}\"}" 204 || return 1
    if [ -n "${5:-}" ]; then
        api_expect PUT /drives/rootfs "{\"drive_id\": \"rootfs\", \"path_on_host\": \"$5\", \"is_root_device\": true, \"is_read_only\": false}" 204 || return 1
    fi
    api_expect PUT /machine-config "{\"vcpu_count\": $2, \"mem_size_mib\": $3}" 204 || return 1
    api_check_state "Not started" "before InstanceStart"
    api_expect PUT /actions '{"action_type": "InstanceStart"}' 204
}

# api_abort SCENARIO: kills a zapotec that is still running after a failed
# step, and collects it.
api_abort() {
    kill -KILL "${BG_PID}" 2>/dev/null
    bg_wait "$1"
    # shellcheck disable=SC2034 # read by report()
    TIMED_OUT=0 # Killed here, not by the timeout.
}

# bg_wait_exit SECONDS: waits up to SECONDS for the background command to end.
bg_wait_exit() {
    _n=0
    while kill -0 "${BG_PID}" 2>/dev/null && [ "${_n}" -lt $(($1 * 10)) ]; do
        sleep 0.1
        _n=$((_n + 1))
    done
    ! kill -0 "${BG_PID}" 2>/dev/null
}

scenario_api_boot() {
    _disk=${WORK}/api_boot.ext4
    cp /l2/rootfs.ext4 "${_disk}"
    if api_start api_boot && api_boot_guest boot 2 256 "" "${_disk}"; then
        bg_wait api_boot
    else
        api_abort api_boot
    fi
    _nproc=$(guest_value api_boot nproc)
    _kib=$(guest_value api_boot memtotal_kib)
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    [ "${_nproc}" = 2 ] || fail "nproc=${_nproc:-none}, expected 2"
    if [ -z "${_kib}" ] || [ "${_kib}" -gt 262144 ] || [ "${_kib}" -lt 196608 ]; then
        fail "MemTotal=${_kib:-none} KiB outside [196608, 262144]"
    fi
    [ "$(guest_value api_boot "done")" = boot ] || fail "guest did not finish the test"
    report api_boot "socket_ready=${SOCKET_READY}s nproc=${_nproc} memtotal_kib=${_kib} $(common_detail api_boot)"
}

# counter_now: the last "GUEST-COUNTER N" value on api_pause's console.
counter_now() {
    tr -d '\r' <"${WORK}/api_pause.raw" | sed -n 's/^GUEST-COUNTER \([0-9][0-9]*\)$/\1/p' | tail -n 1
}

# api_pause: the guest counts every 0.1 s; L1 pauses it for 2 s (the count
# must not move), resumes it (the count must move again) and checks GET /.
scenario_api_pause() {
    _pause='?' _resume='?' _frozen='?' _c0='' _c1=''
    if api_start api_pause && api_boot_guest counter 2 256 "zapotec.seconds=30" &&
        bg_wait_for api_pause '^GUEST-COUNTER 5' 60; then
        api_check_state Running "after InstanceStart"
        _c0=$(counter_now)
        sleep 1
        _c1=$(counter_now)
        [ "${_c1:-0}" -gt "${_c0:-0}" ] || fail "the counter did not advance before the pause (${_c0} -> ${_c1})"
        if api_expect PATCH /vm '{"state": "Paused"}' 204; then
            _pause=${API_TIME}
            api_check_state Paused "after PATCH Paused"
            # Lines already on their way may still land just after the PATCH.
            sleep 0.5
            _a=$(counter_now)
            sleep 2
            _b=$(counter_now)
            _frozen="${_a}->${_b}"
            [ "${_a}" = "${_b}" ] || fail "the counter advanced while paused (${_frozen})"
            if api_expect PATCH /vm '{"state": "Resumed"}' 204; then
                _resume=${API_TIME}
                api_check_state Running "after PATCH Resumed"
                _n=0
                while [ "$(counter_now)" -le "${_b:-0}" ] && [ "${_n}" -lt 50 ]; do
                    sleep 0.1
                    _n=$((_n + 1))
                done
                [ "$(counter_now)" -gt "${_b:-0}" ] || fail "the counter did not advance within 5 s of the resume"
            fi
        fi
        bg_wait api_pause
    else
        [ -z "${PROBLEMS}" ] && fail "the guest's counter never reached 5"
        api_abort api_pause
    fi
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    [ "$(guest_value api_pause "done")" = counter ] || fail "guest did not finish the test"
    report api_pause "paused_count=${_frozen} pause_rtt=${_pause}s resume_rtt=${_resume}s last=$(guest_value api_pause counter_last) $(common_detail api_pause)"
}

# api_ctrl_alt_del: the guest sets kernel.ctrl-alt-del=1 (reboot at once on
# Ctrl-Alt-Del) and waits; SendCtrlAltDel must end zapotec, status 0, within
# 10 s. The guest finds the i8042 through ACPI (PNP0303 in zapotec's DSDT);
# LAB_CAD_ARGS adds kernel arguments (for instance Firecracker's usual
# "i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd", see docs/lab.md).
scenario_api_ctrl_alt_del() {
    _scn=api_ctrl_alt_del _took='?'
    if api_start ${_scn} &&
        api_boot_guest ctrl_alt_del 1 128 "${LAB_CAD_ARGS:-} zapotec.seconds=60" &&
        bg_wait_for ${_scn} 'GUEST-RESULT cad_ready=1' 60; then
        _t=$(now)
        api_expect PUT /actions '{"action_type": "SendCtrlAltDel"}' 204
        bg_wait_exit 10 || fail "zapotec still running 10 s after SendCtrlAltDel"
        _took=$(awk -v a="${_t}" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
        if kill -0 "${BG_PID}" 2>/dev/null; then
            api_abort ${_scn}
        else
            bg_wait ${_scn}
        fi
    else
        [ -z "${PROBLEMS}" ] && fail "the guest never said cad_ready"
        api_abort ${_scn}
    fi
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    [ -z "$(guest_value ${_scn} error)" ] || fail "guest: $(guest_value ${_scn} error)"
    [ "$(guest_value ${_scn} keyboard)" = 1 ] || fail "no AT keyboard in the guest: $(guest_value ${_scn} i8042_log)"
    report ${_scn} "keyboard=$(guest_value ${_scn} keyboard) serio='$(guest_value ${_scn} serio)' exit_after=${_took}s $(common_detail ${_scn})"
}
