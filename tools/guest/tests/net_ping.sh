# Guest test "net_ping": brings eth0 up (net_setup), pings the lab's L1
# (zapotec.peer=, default 172.16.0.1) three times, says net_ready=1, then
# waits up to 60 s for L1 to ping it and to connect to TCP port 5000, the
# signal that L1 is done, and powers off.
# shellcheck shell=dash
peer=$(cmdline_value zapotec.peer || echo 172.16.0.1)
if net_setup; then
    # The first echo request waits for ARP; -W gives the replies time.
    ping -c 3 -W 10 "${peer}" >/tmp/ping.out 2>&1
    summary=$(grep 'packets transmitted' /tmp/ping.out)
    echo "GUEST-RESULT ping_sent=$(echo "${summary}" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')"
    echo "GUEST-RESULT ping_received=$(echo "${summary}" | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')"
    echo "GUEST-RESULT ping_rtt=$(sed -n 's/^round-trip min\/avg\/max = //p' /tmp/ping.out)"
    echo "GUEST-RESULT net_ready=1"
    # nc gets an empty stdin: it ends when L1 has connected and closed.
    if timeout 60 nc -l -p 5000 </dev/null >/tmp/release.out 2>&1; then
        echo "GUEST-RESULT released=$(cat /tmp/release.out)"
    else
        echo "GUEST-RESULT released=timeout"
    fi
fi
echo "GUEST-RESULT done=net_ping"
drain_console
poweroff -f
