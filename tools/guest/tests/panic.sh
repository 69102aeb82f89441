# Guest test "panic": crashes the kernel through sysrq. Run with panic=1; the
# VMM should learn of the panic through pvpanic and exit non-zero.
# shellcheck shell=dash
bound=$(find /sys/bus/pci/drivers/pvpanic-pci/ -name '0000:*' 2>/dev/null | wc -l)
echo "GUEST-RESULT pvpanic_devices=${bound}"
echo "GUEST-RESULT panic=requested"
drain_console
echo c >/proc/sysrq-trigger
sleep 10
echo "GUEST-RESULT error=still-alive-after-sysrq-c"
drain_console
poweroff -f
