# Guest test "dd_read": reads zapotec.dd_mib MiB (default 8) from /dev/vda
# with O_DIRECT and reports the guest time it took (dd_seconds, from
# /proc/uptime), for the rate-limit scenarios.
# shellcheck shell=dash
mib=$(cmdline_value zapotec.dd_mib || echo 8)
if ! wait_for /dev/vda 50; then
    echo "GUEST-RESULT error=no-vda"
else
    t0=$(uptime_s)
    dd if=/dev/vda of=/dev/null bs=1M count="${mib}" iflag=direct 2>/tmp/dd.err
    rc=$?
    t1=$(uptime_s)
    echo "GUEST-RESULT dd_rc=${rc}"
    echo "GUEST-RESULT dd_mib=${mib}"
    echo "GUEST-RESULT dd_seconds=$(awk -v a="${t0}" -v b="${t1}" 'BEGIN { printf "%.2f", b - a }')"
    echo "GUEST-RESULT dd_report=$(tail -n 1 /tmp/dd.err)"
fi
echo "GUEST-RESULT done=dd_read"
drain_console
poweroff -f
