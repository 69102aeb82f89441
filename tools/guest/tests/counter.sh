# Guest test "counter": prints "GUEST-COUNTER N" (N = 0, 1, ...) every 0.1 s
# for zapotec.seconds seconds of guest uptime (default 30), then powers off.
# The lab pauses and resumes the VM meanwhile and watches the count.
# shellcheck shell=dash
seconds=$(cmdline_value zapotec.seconds || echo 30)
read -r up _ </proc/uptime
end=$((${up%.*} + seconds))
i=0
while :; do
    read -r up _ </proc/uptime
    [ "${up%.*}" -lt "${end}" ] || break
    echo "GUEST-COUNTER ${i}"
    i=$((i + 1))
    sleep 0.1
done
echo "GUEST-RESULT counter_last=$((i - 1))"
echo "GUEST-RESULT done=counter"
drain_console
poweroff -f
