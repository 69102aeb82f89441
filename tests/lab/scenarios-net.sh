# The lab's network and rate-limit scenarios (net_ping, net_tcp,
# blk_ratelimit), sourced by scenarios.sh: they use its helpers (guest_start,
# bg_wait, guest_value, fail, report, ...). L1's tap0 (172.16.0.1/24) is the
# host end of the guest's eth0 (172.16.0.2/24); nothing leaves L1.
# shellcheck shell=dash

LAB_TAP=tap0
LAB_L1_IP=172.16.0.1
LAB_L2_IP=172.16.0.2
LAB_L2_MAC=06:00:ac:10:00:02
LAB_NET_CMDLINE="zapotec.ip=${LAB_L2_IP}/24 zapotec.peer=${LAB_L1_IP}"

# lab_net_up: creates tap0 (tun.ko is loaded by L1's init) with L1's address
# and brings it up; idempotent. Prints why it failed.
lab_net_up() {
    ip link set lo up 2>/dev/null
    if [ ! -d "/sys/class/net/${LAB_TAP}" ]; then
        [ -c /dev/net/tun ] || { echo "no /dev/net/tun in L1 (tun.ko)"; return 1; }
        tunctl -t "${LAB_TAP}" >/dev/null 2>&1 || { echo "tunctl -t ${LAB_TAP} failed"; return 1; }
    fi
    ip addr flush dev "${LAB_TAP}"
    ip addr add "${LAB_L1_IP}/24" dev "${LAB_TAP}" || { echo "cannot address ${LAB_TAP}"; return 1; }
    ip link set "${LAB_TAP}" up || { echo "cannot bring ${LAB_TAP} up"; return 1; }
}

# ping_summary FILE: "SENT/RECEIVED" from busybox ping's output.
ping_summary() {
    sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1\/\2/p' "$1"
}

scenario_net_ping() {
    if ! _why=$(lab_net_up); then
        fail "${_why}"
        report net_ping "L1 network setup failed"
        return
    fi
    guest_start net_ping net_ping 1 128 "${LAB_NET_CMDLINE}" "tap=${LAB_TAP},mac=${LAB_L2_MAC}"
    _l1ping=none
    if bg_wait_for net_ping 'GUEST-RESULT net_ready=1' $((LAB_L2_TIMEOUT - 10)); then
        ping -c 3 -W 10 "${LAB_L2_IP}" >"${WORK}/net_ping.l1ping" 2>&1
        _l1ping=$(ping_summary "${WORK}/net_ping.l1ping")
        # Release the guest: it waits for a TCP connection on port 5000.
        echo l1-done | timeout 10 nc "${LAB_L2_IP}" 5000 >/dev/null 2>&1 ||
            fail "could not connect to the guest's port 5000"
    else
        fail "the guest never said net_ready"
    fi
    bg_wait net_ping
    _sent=$(guest_value net_ping ping_sent)
    _recv=$(guest_value net_ping ping_received)
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    [ "$(guest_value net_ping eth0)" = up ] || fail "guest eth0=$(guest_value net_ping eth0)"
    [ "$(guest_value net_ping mac)" = "${LAB_L2_MAC}" ] || fail "guest MAC $(guest_value net_ping mac), expected ${LAB_L2_MAC}"
    [ "${_sent}/${_recv}" = 3/3 ] || fail "guest ping L1: ${_recv:-?} of ${_sent:-?} answered"
    [ "${_l1ping}" = 3/3 ] || fail "L1 ping guest: ${_l1ping} (sent/received)"
    [ "$(guest_value net_ping released)" = l1-done ] || fail "guest released=$(guest_value net_ping released)"
    report net_ping "l2_to_l1=${_recv}/${_sent} rtt=$(guest_value net_ping ping_rtt) l1_to_l2=${_l1ping} $(common_detail net_ping)"
}

# The L1 side of net_tcp: busybox httpd on tap0 serving $WORK/www, with a CGI
# that stores a POSTed body and answers its size and md5.
net_tcp_server() {
    _www=${WORK}/www
    rm -rf "${_www}"
    mkdir -p "${_www}/cgi-bin"
    head -c 1048576 /dev/urandom >"${_www}/net_tcp.bin"
    cat >"${_www}/cgi-bin/upload" <<UPLOAD
#!/bin/sh
PATH=/bin:/sbin:/usr/bin:/usr/sbin
head -c "\${CONTENT_LENGTH:-0}" >"${WORK}/net_tcp.up"
printf 'Content-Type: text/plain\r\n\r\n'
echo "bytes=\$(wc -c <"${WORK}/net_tcp.up")"
UPLOAD
    chmod 755 "${_www}/cgi-bin/upload"
    rm -f "${WORK}/net_tcp.up"
    httpd -f -p "${LAB_L1_IP}:8080" -h "${_www}" &
    HTTPD_PID=$!
}

scenario_net_tcp() {
    if ! _why=$(lab_net_up); then
        fail "${_why}"
        report net_tcp "L1 network setup failed"
        return
    fi
    net_tcp_server
    _md5=$(md5sum <"${WORK}/www/net_tcp.bin" | cut -d' ' -f1)
    run_guest net_tcp net_tcp 1 128 "${LAB_NET_CMDLINE}" "tap=${LAB_TAP},mac=${LAB_L2_MAC}"
    kill "${HTTPD_PID}" 2>/dev/null
    wait "${HTTPD_PID}" 2>/dev/null
    _get=$(guest_value net_tcp get_md5)
    _put=$(guest_value net_tcp put_md5)
    _got='' _gotn=0
    if [ -f "${WORK}/net_tcp.up" ]; then
        _got=$(md5sum <"${WORK}/net_tcp.up" | cut -d' ' -f1)
        _gotn=$(wc -c <"${WORK}/net_tcp.up")
    fi
    [ "${RC}" -eq 0 ] || fail "exit status ${RC}, expected 0"
    [ "$(guest_value net_tcp eth0)" = up ] || fail "guest eth0=$(guest_value net_tcp eth0)"
    [ "${_get}" = "${_md5}" ] || fail "L1->L2: guest md5 ${_get:-none} of $(guest_value net_tcp get_length) bytes, expected ${_md5}"
    [ -n "${_put}" ] && [ "${_got}" = "${_put}" ] && _up=ok || _up=bad
    [ "${_up}" = ok ] || fail "L2->L1: L1 got ${_gotn} bytes, md5 ${_got:-none}, guest sent ${_put:-nothing}"
    report net_tcp "l1_to_l2=$([ "${_get}" = "${_md5}" ] && echo ok || echo bad) l2_to_l1=${_up} bytes=${_gotn} md5=${_md5} $(common_detail net_tcp)"
}

# blk_ratelimit: the guest reads 8 MiB with O_DIRECT from a disk limited to
# 1 MiB/s, then from the same disk without a limit.
scenario_blk_ratelimit() {
    _disk=${WORK}/blk_ratelimit.ext4
    cp /l2/rootfs.ext4 "${_disk}"
    run_guest blk_ratelimit dd_read 1 128 "zapotec.dd_mib=8" "${_disk},bandwidth=1M"
    _limited=$(guest_value blk_ratelimit dd_seconds)
    _run1="rc=${RC} time=${SECONDS_TAKEN}s"
    [ "${RC}" -eq 0 ] || fail "limited run: exit status ${RC}, expected 0"
    [ "$(guest_value blk_ratelimit dd_rc)" = 0 ] || fail "limited run: dd failed: $(guest_value blk_ratelimit dd_report)"
    awk -v t="${_limited:-0}" 'BEGIN { exit !(t >= 6) }' ||
        fail "8 MiB at bandwidth=1M took ${_limited:-?}s of guest time, expected >= 6s"
    if [ "${TIMED_OUT}" -eq 1 ]; then
        fail "limited run timed out after ${LAB_L2_TIMEOUT}s"
        TIMED_OUT=0
    fi
    run_guest blk_ratelimit dd_read 1 128 "zapotec.dd_mib=8" "${_disk}"
    _free=$(guest_value blk_ratelimit dd_seconds)
    [ "${RC}" -eq 0 ] || fail "unlimited run: exit status ${RC}, expected 0"
    [ "$(guest_value blk_ratelimit dd_rc)" = 0 ] || fail "unlimited run: dd failed: $(guest_value blk_ratelimit dd_report)"
    awk -v t="${_free:-99}" 'BEGIN { exit !(t <= 3) }' ||
        fail "8 MiB without a limit took ${_free:-?}s of guest time, expected <= 3s"
    report blk_ratelimit "limited=${_limited:-?}s unlimited=${_free:-?}s (guest time for 8 MiB, O_DIRECT, bandwidth=1M) limited_run: ${_run1} unlimited_run: $(common_detail blk_ratelimit)"
}
