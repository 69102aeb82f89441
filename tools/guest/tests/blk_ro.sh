# Guest test "blk_ro": /dev/vda is attached read-only. Reports whether the
# block device is marked read-only, whether a raw write to it fails, whether
# a read-only mount works, and what a read-write mount and a file write do.
# shellcheck shell=dash
if ! wait_for /dev/vda 50; then
    echo "GUEST-RESULT error=no-vda"
else
    echo "GUEST-RESULT blockdev_ro=$(cat /sys/block/vda/ro)"
    if dd if=/dev/zero of=/dev/vda bs=4096 count=1 seek=1000 conv=fsync 2>/tmp/dd.err; then
        echo "GUEST-RESULT dd_write=ok"
    else
        echo "GUEST-RESULT dd_write=fail"
        echo "GUEST-RESULT dd_error=$(grep -m 1 "^dd:" /tmp/dd.err)"
    fi
    if mount -t ext4 -o ro /dev/vda /mnt; then
        echo "GUEST-RESULT mount_ro=ok"
        echo "GUEST-RESULT hello=$(cat /mnt/hello.txt)"
        umount /mnt
    else
        echo "GUEST-RESULT mount_ro=fail"
    fi
    # busybox mount retries read-only when the device is write-protected, so
    # report the mode the file system actually got.
    if mount -t ext4 /dev/vda /mnt 2>/dev/null; then
        mode=$(awk '$2 == "/mnt" { split($4, o, ","); print o[1] }' /proc/mounts)
        echo "GUEST-RESULT mount_rw=${mode}"
        if echo x >/mnt/newfile 2>/dev/null; then
            echo "GUEST-RESULT file_write=ok"
        else
            echo "GUEST-RESULT file_write=fail"
        fi
        umount /mnt
    else
        echo "GUEST-RESULT mount_rw=fail"
        echo "GUEST-RESULT file_write=fail"
    fi
fi
echo "GUEST-RESULT done=blk_ro"
drain_console
poweroff -f
