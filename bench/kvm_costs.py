#!/usr/bin/env python3
"""Raw cost of the KVM ioctls a VMM issues at start and exit, on this host.

A companion to bench/boot_time.py: it explains where a VMM's start -> first byte and
marker -> exit time goes on a given host kernel. It creates VMs with nothing but ioctls
(no guest code runs), in a few orders, and prints each step's median wall time:

  plain           CREATE_VM, one 32 MiB memslot, CREATE_VCPU, close
  irqchip-first   CREATE_IRQCHIP, CREATE_PIT2, SET_GSI_ROUTING, memslot, vCPU, close
                  (zapotec's order at the time of writing)
  irqchip-no-pit  the same without CREATE_PIT2
  memslot-first   memslot, CREATE_IRQCHIP, CREATE_PIT2, SET_GSI_ROUTING, vCPU, close
  memslot-no-pit  the same without CREATE_PIT2
  split-irqchip   ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, 24 pins), memslot, vCPU, close
                  (what QEMU 7.2 microvm does: only the local APIC in the kernel, the PIC,
                  IOAPIC and PIT in user space)

"close" is closing the vCPU and VM descriptors, which destroys the VM, as at process exit.
Only the Python 3 standard library is used. Usage: bench/kvm_costs.py [--reps N]
"""

import argparse
import ctypes
import fcntl
import mmap
import os
import statistics
import struct
import sys
import time

# ioctl numbers from <linux/kvm.h> (x86-64): _IO/_IOW(KVMIO=0xAE, nr, size)
KVM_CREATE_VM = 0xAE01
KVM_CREATE_VCPU = 0xAE41
KVM_SET_USER_MEMORY_REGION = 0x4020AE46   # struct kvm_userspace_memory_region, 32 bytes
KVM_CREATE_IRQCHIP = 0xAE60
KVM_SET_GSI_ROUTING = 0x4008AE6A          # struct kvm_irq_routing header, 8 bytes
KVM_CREATE_PIT2 = 0x4040AE77              # struct kvm_pit_config, 64 bytes
KVM_ENABLE_CAP = 0x4068AEA3               # struct kvm_enable_cap, 104 bytes
KVM_CAP_SPLIT_IRQCHIP = 121
MEM_BYTES = 32 << 20

SEQUENCES = {
    "plain": ["memslot", "vcpu", "close"],
    "irqchip-first": ["irqchip", "pit2", "gsi_routing", "memslot", "vcpu", "close"],
    "irqchip-no-pit": ["irqchip", "gsi_routing", "memslot", "vcpu", "close"],
    "memslot-first": ["memslot", "irqchip", "pit2", "gsi_routing", "vcpu", "close"],
    "memslot-no-pit": ["memslot", "irqchip", "gsi_routing", "vcpu", "close"],
    "split-irqchip": ["split_irqchip", "memslot", "vcpu", "close"],
}


def one_vm(steps):
    """Runs one sequence; returns {step: milliseconds}."""
    kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    vm = vcpu = None
    mem = mmap.mmap(-1, MEM_BYTES)
    buf = ctypes.c_char.from_buffer(mem)
    addr = ctypes.addressof(buf)
    times = {}
    try:
        t = time.perf_counter()
        vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
        times["create_vm"] = (time.perf_counter() - t) * 1e3
        for step in steps:
            t = time.perf_counter()
            if step == "memslot":
                fcntl.ioctl(vm, KVM_SET_USER_MEMORY_REGION,
                            struct.pack("IIQQQ", 0, 0, 0, MEM_BYTES, addr))
            elif step == "irqchip":
                fcntl.ioctl(vm, KVM_CREATE_IRQCHIP, 0)
            elif step == "pit2":
                fcntl.ioctl(vm, KVM_CREATE_PIT2, bytes(64))
            elif step == "gsi_routing":
                fcntl.ioctl(vm, KVM_SET_GSI_ROUTING, struct.pack("II", 0, 0))
            elif step == "split_irqchip":
                fcntl.ioctl(vm, KVM_ENABLE_CAP,
                            struct.pack("II4Q64x", KVM_CAP_SPLIT_IRQCHIP, 0, 24, 0, 0, 0))
            elif step == "vcpu":
                vcpu = fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
            elif step == "close":
                if vcpu is not None:
                    os.close(vcpu)
                    vcpu = None
                os.close(vm)
                vm = None
            times[step] = (time.perf_counter() - t) * 1e3
    finally:
        for fd in (vcpu, vm, kvm):
            if fd is not None:
                os.close(fd)
        del buf
        mem.close()
    return times


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=7, help="VMs per sequence (default 7)")
    args = p.parse_args()
    if args.reps < 1:
        p.error("--reps must be >= 1")
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        sys.exit("kvm_costs: error: /dev/kvm missing or not readable and writable")
    mods = [m for m in ("kvm_pvm", "kvm_intel", "kvm_amd") if os.path.isdir(f"/sys/module/{m}")]
    print(f"Linux {os.uname().release}, {', '.join(mods) or 'no kvm vendor module'}; "
          f"median of {args.reps} VMs per sequence, milliseconds")
    one_vm(SEQUENCES["plain"])  # warm-up
    for name, steps in SEQUENCES.items():
        runs = []
        for _ in range(args.reps):
            try:
                runs.append(one_vm(steps))
            except OSError as e:
                print(f"  {name}: {e}")
                break
        if not runs:
            continue
        cols = ["create_vm"] + steps
        med = {c: statistics.median(r[c] for r in runs) for c in cols}
        total = statistics.median(sum(r.values()) for r in runs)
        print(f"  {name:<15} " + "  ".join(f"{c} {med[c]:.2f}" for c in cols)
              + f"  | total {total:.2f}")


if __name__ == "__main__":
    main()
