// Puts the kernel, initrd, command line, ACPI tables and boot information into guest memory,
// and says how the boot vCPU must enter the kernel.
#pragma once

#include "arch/x86_64/kvm_uapi.hpp"
#include "base/error.hpp"
#include "loader/kernel_image.hpp"
#include "memory/guest_memory.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec {

struct BootEntry {
    KernelFormat format = KernelFormat::kBzImage;
    kvm_regs regs{};
};

// Refuses, with one line saying why, a kernel that cannot run on this host (a stock Linux
// kernel on a PVM host). Reads only the kernel's headers.
[[nodiscard]] Result<> check_kernel_runs_here(const std::string& kernel_path);

[[nodiscard]] Result<BootEntry> load_boot_image(const GuestMemory& memory, const VmConfig& config);

// Applies the entry's segment and control registers to `sregs` (from KVM_GET_SREGS).
void setup_boot_sregs(const BootEntry& entry, kvm_sregs& sregs);

}  // namespace zapotec
