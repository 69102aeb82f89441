# Guest test "blk_rw": mounts /dev/vda (ext4) read-write, prints /hello.txt,
# writes /newfile with the token from zapotec.token=... (or a fixed text),
# unmounts and powers off; the host then reads /newfile from the image.
# shellcheck shell=dash
token=$(cmdline_value zapotec.token || echo zapotec-blk-rw)
if ! wait_for /dev/vda 50; then
    echo "GUEST-RESULT error=no-vda"
elif ! mount -t ext4 /dev/vda /mnt; then
    echo "GUEST-RESULT mount=fail"
else
    echo "GUEST-RESULT mount=ok"
    echo "GUEST-RESULT hello=$(cat /mnt/hello.txt)"
    if echo "${token}" >/mnt/newfile && sync; then
        echo "GUEST-RESULT write=ok"
    else
        echo "GUEST-RESULT write=fail"
    fi
    if umount /mnt; then
        echo "GUEST-RESULT umount=ok"
    else
        echo "GUEST-RESULT umount=fail"
    fi
fi
echo "GUEST-RESULT done=blk_rw"
drain_console
poweroff -f
