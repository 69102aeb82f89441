# Guest test "reboot": asks for a reboot; the VMM is expected to exit 0.
# shellcheck shell=dash
echo "GUEST-RESULT reboot=requested"
drain_console
reboot -f
