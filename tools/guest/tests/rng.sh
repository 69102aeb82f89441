# Guest test "rng": reads 16 bytes from /dev/hwrng and reports which hardware
# RNG the kernel uses (virtio_rng.N when the VMM's virtio-rng is bound).
# shellcheck shell=dash
n=0
while [ "$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)" = none ] && [ "${n}" -lt 50 ]; do
    sleep 0.1
    n=$((n + 1))
done
echo "GUEST-RESULT rng_current=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null || echo absent)"
hex=$(timeout 10 dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
echo "GUEST-RESULT rng_bytes=$((${#hex} / 2))"
echo "GUEST-RESULT rng_hex=${hex}"
echo "GUEST-RESULT done=rng"
drain_console
poweroff -f
