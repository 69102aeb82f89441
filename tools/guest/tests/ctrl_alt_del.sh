# Guest test "ctrl_alt_del": makes Ctrl-Alt-Del reboot the kernel at once
# (kernel.ctrl-alt-del=1: the keyboard driver calls kernel_restart()), reports
# the AT keyboard it sees behind the i8042, says cad_ready=1 and waits. The
# VMM's Ctrl-Alt-Del (Firecracker's SendCtrlAltDel) should end it within a
# second; otherwise it gives up after zapotec.seconds (default 60).
# shellcheck shell=dash
echo 1 >/proc/sys/kernel/ctrl-alt-del
echo "GUEST-RESULT ctrl_alt_del=$(cat /proc/sys/kernel/ctrl-alt-del)"
echo "GUEST-RESULT serio=$(cd /sys/bus/serio/devices 2>/dev/null && echo *)"
echo "GUEST-RESULT keyboard=$(grep -c 'AT Translated Set 2 keyboard' /proc/bus/input/devices 2>/dev/null)"
# What the kernel said about the controller, for when there is no keyboard.
echo "GUEST-RESULT i8042_log=$(dmesg | sed 's/^\[[ 0-9.]*\] //' | grep -m 4 '^i8042\|^serio\|^PNP: .*PS/2' | tr '\n' '|')"
echo "GUEST-RESULT cad_ready=1"
drain_console
sleep "$(cmdline_value zapotec.seconds || echo 60)"
echo "GUEST-RESULT error=no-ctrl-alt-del"
drain_console
poweroff -f
