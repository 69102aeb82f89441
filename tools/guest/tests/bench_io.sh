# Guest test "bench_io" (bench/lab_io.sh): network and block figures in one
# boot, each timed with the guest clock (/proc/uptime, 10 ms steps) and each
# step bounded by `timeout`. L1 (zapotec.peer, default 172.16.0.1) serves:
#   port 5201  a sink (`nc -l -e wc -c`) that answers the bytes it got
#   port 5202  a source of zapotec.net_mib MiB of zeros
# and /dev/vda is a scratch disk of at least zapotec.blk_mib MiB.
# Keys: net_tx_* (L2 -> L1), net_rx_* (L1 -> L2): bytes and seconds;
# ping_*: ping -A (the next echo request as soon as the reply is in) count
# and seconds; blk_{write,read}_*: zapotec.blk_mib MiB in 1 MiB O_DIRECT
# requests; iops4k_{read,write}_*: zapotec.iops_n 4 KiB O_DIRECT requests
# one at a time (queue depth 1).
# shellcheck shell=dash
peer=$(cmdline_value zapotec.peer || echo 172.16.0.1)
net_mib=$(cmdline_value zapotec.net_mib || echo 16)
blk_mib=$(cmdline_value zapotec.blk_mib || echo 64)
iops_n=$(cmdline_value zapotec.iops_n || echo 500)
ping_n=$(cmdline_value zapotec.ping_n || echo 200)

# timed KEY COMMAND...: runs COMMAND, prints KEY_seconds and KEY_rc.
timed() {
    _key=$1
    shift
    _t0=$(uptime_s)
    "$@"
    _rc=$?
    _t1=$(uptime_s)
    echo "GUEST-RESULT ${_key}_rc=${_rc}"
    echo "GUEST-RESULT ${_key}_seconds=$(awk -v a="${_t0}" -v b="${_t1}" 'BEGIN { printf "%.2f", b - a }')"
}

net_tx() {
    dd if=/dev/zero bs=64k count=$((net_mib * 16)) 2>/dev/null | timeout 300 nc "${peer}" 5201 >/tmp/tx.reply
}
net_rx() {
    timeout 300 nc "${peer}" 5202 </dev/null | wc -c >/tmp/rx.bytes
}
ping_rate() {
    ping -A -q -c "${ping_n}" -W 5 "${peer}" >/tmp/ping.out 2>&1
}
blk() {
    dd "$@" 2>/tmp/dd.err
}

if net_setup && ping -c 1 -W 10 "${peer}" >/dev/null 2>&1; then
    timed net_tx net_tx
    echo "GUEST-RESULT net_tx_bytes=$(tr -dc 0-9 </tmp/tx.reply)"
    timed net_rx net_rx
    echo "GUEST-RESULT net_rx_bytes=$(tr -dc 0-9 </tmp/rx.bytes)"
    timed ping ping_rate
    echo "GUEST-RESULT ping_received=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping.out)"
    echo "GUEST-RESULT ping_rtt=$(sed -n 's/^round-trip min\/avg\/max = //p' /tmp/ping.out)"
else
    echo "GUEST-RESULT error=no-network"
fi
if wait_for /dev/vda 50; then
    timed blk_write blk if=/dev/zero of=/dev/vda bs=1M count="${blk_mib}" oflag=direct
    timed blk_read blk if=/dev/vda of=/dev/null bs=1M count="${blk_mib}" iflag=direct
    timed iops4k_write blk if=/dev/zero of=/dev/vda bs=4k count="${iops_n}" oflag=direct
    timed iops4k_read blk if=/dev/vda of=/dev/null bs=4k count="${iops_n}" iflag=direct
    echo "GUEST-RESULT blk_mib=${blk_mib}"
    echo "GUEST-RESULT iops_n=${iops_n}"
else
    echo "GUEST-RESULT error=no-vda"
fi
echo "GUEST-RESULT done=bench_io"
drain_console
poweroff -f
