# Guest test "boot": reports what the guest sees of its CPUs and memory.
# Sourced by /init (helpers: cmdline_value, wait_for, drain_console).
# shellcheck shell=dash
echo "GUEST-RESULT nproc=$(nproc)"
echo "GUEST-RESULT cpus_online=$(cat /sys/devices/system/cpu/online)"
echo "GUEST-RESULT memtotal_kib=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
echo "GUEST-RESULT done=boot"
drain_console
poweroff -f
