# The VMM seam of the lab: how L1 starts an L2 guest. Sourced by the L1 /init
# and by scenarios.sh (busybox ash). LAB_VMM picks the backend:
#   zapotec  the VMM under test (/usr/bin/zapotec)
#   qemu     QEMU with KVM inside L1, to validate the guest and the scenarios
#            without zapotec, and as a baseline for benchmarks
# shellcheck shell=dash

LAB_VMM=${LAB_VMM:-zapotec}
# QEMU machine for LAB_VMM=qemu: q35 (SeaBIOS) or microvm (qboot, pcie=on).
LAB_QEMU_MACHINE=${LAB_QEMU_MACHINE:-q35}
export LAB_VMM LAB_QEMU_MACHINE
L2_KERNEL=/l2/vmlinuz
L2_INITRD=/l2/initrd.img

# A line the VMM prints on stderr when the guest panicked (extended regex).
# zapotec reports a pvpanic event in words; QEMU's -d guest_errors says
# "Guest crashed" when -action panic=exit-failure ends it.
vmm_panic_pattern() {
    case ${LAB_VMM} in
        qemu) echo 'Guest crashed|[Pp]anic' ;;
        *) echo '[Pp]anic' ;;
    esac
}

# Checks that the backend can run at all; prints why not and fails otherwise.
vmm_check() {
    [ -c /dev/kvm ] || { echo "no /dev/kvm in L1"; return 1; }
    case ${LAB_VMM} in
        zapotec) command -v zapotec >/dev/null || { echo "no zapotec binary in L1"; return 1; } ;;
        qemu) command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64 in L1"; return 1; } ;;
        *) echo "unknown LAB_VMM=${LAB_VMM}"; return 1 ;;
    esac
}

# qemu_size BYTES[K|M|G]: the size in bytes (1024-based suffixes, as zapotec
# reads them), for QEMU's throttling options.
qemu_size() {
    case $1 in
        *[Kk]) echo $((${1%?} * 1024)) ;;
        *[Mm]) echo $((${1%?} * 1024 * 1024)) ;;
        *[Gg]) echo $((${1%?} * 1024 * 1024 * 1024)) ;;
        *) echo "$1" ;;
    esac
}

# qemu_disk_args SPEC: QEMU's -drive for PATH[,ro][,bandwidth=N][,iops=N].
qemu_disk_args() {
    _path=${1%%,*} _opts=
    case $1 in *,*) _rest=${1#*,} ;; *) _rest= ;; esac
    _oldifs=${IFS}
    IFS=,
    for _o in ${_rest}; do
        case ${_o} in
            ro) _opts="${_opts},readonly=on" ;;
            bandwidth=*) _opts="${_opts},throttling.bps-total=$(qemu_size "${_o#*=}")" ;;
            iops=*) _opts="${_opts},throttling.iops-total=${_o#*=}" ;;
            *) echo "vmm_run: unknown disk option '${_o}'" >&2 ;;
        esac
    done
    IFS=${_oldifs}
    echo "file=${_path},if=virtio,format=raw${_opts}"
}

# vmm_run CPUS MEMORY_MIB CMDLINE [DEVICE]...
# Boots /l2/vmlinuz + /l2/initrd.img with CMDLINE (empty: the VMM's default).
# Each DEVICE is a disk, PATH[,ro][,bandwidth=BYTES_PER_S][,iops=N] (the
# first disk is /dev/vda; sizes take K/M/G, 1024-based), or a network
# interface on an existing L1 tap, tap=NAME[,mac=MAC] (the first is eth0).
# The guest console is stdout, VMM diagnostics go
# to stderr; the exit status is the VMM's. The caller adds `timeout`; with
# VMM_EXEC=exec the VMM replaces the calling shell, so that timeout's signal
# reaches the VMM itself rather than a shell that would leave it running.
vmm_run() {
    _cpus=$1 _mem=$2 _cmdline=$3
    shift 3
    # Turn each DEVICE argument into the backend's options, in place.
    _n=$# _nic=0
    while [ "${_n}" -gt 0 ]; do
        _dev=$1
        shift
        case ${LAB_VMM}:${_dev} in
            qemu:tap=*)
                # romfile= : no PXE option ROM (L1 has none, and -kernel needs none).
                _tap=${_dev#tap=} _mac=
                case ${_tap} in *,mac=*) _mac=,mac=${_tap#*,mac=} _tap=${_tap%%,*} ;; esac
                set -- "$@" -netdev "tap,id=net${_nic},ifname=${_tap},script=no,downscript=no,vhost=off" \
                    -device "virtio-net-pci,netdev=net${_nic}${_mac},romfile="
                _nic=$((_nic + 1))
                ;;
            qemu:*) set -- "$@" -drive "$(qemu_disk_args "${_dev}")" ;;
            *:tap=*) set -- "$@" --net "${_dev}" ;;
            *) set -- "$@" --disk "${_dev}" ;;
        esac
        _n=$((_n - 1))
    done
    case ${LAB_VMM} in
        zapotec)
            if [ -n "${_cmdline}" ]; then
                set -- --cmdline "${_cmdline}" "$@"
            fi
            ${VMM_EXEC:-} zapotec run --kernel "${L2_KERNEL}" --initrd "${L2_INITRD}" \
                --cpus "${_cpus}" --memory "${_mem}" "$@"
            ;;
        qemu)
            case ${LAB_QEMU_MACHINE} in
                microvm) _machine=microvm,pcie=on,rtc=on ;;
                *) _machine=${LAB_QEMU_MACHINE} ;;
            esac
            ${VMM_EXEC:-} qemu-system-x86_64 -enable-kvm -M "${_machine}" -cpu host \
                -smp "${_cpus}" -m "${_mem}" -display none -nodefaults -no-user-config \
                -serial mon:stdio -no-reboot \
                -device virtio-rng-pci -device pvpanic-pci \
                -action panic=exit-failure -d guest_errors \
                -kernel "${L2_KERNEL}" -initrd "${L2_INITRD}" \
                -append "${_cmdline:-console=ttyS0}" "$@"
            ;;
        *)
            echo "vmm_run: unknown LAB_VMM=${LAB_VMM}" >&2
            return 2
            ;;
    esac
}
