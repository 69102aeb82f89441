// Gives each vCPU its CPUID, MSRs, FPU and LAPIC wiring; the boot vCPU also gets the entry
// registers. Other vCPUs wait for INIT/SIPI from the boot vCPU, as on real hardware.
#pragma once

#include <vector>

#include "arch/x86_64/kvm_uapi.hpp"
#include "base/error.hpp"
#include "kvm/kvm.hpp"
#include "kvm/vcpu.hpp"
#include "vmm/boot_setup.hpp"

namespace zapotec {

struct VcpuSetup {
    std::vector<kvm_cpuid_entry2> supported_cpuid;  // KVM_GET_SUPPORTED_CPUID, unadjusted.
    uint32_t vcpu_count = 1;
    bool tsc_deadline_timer = false;
};

[[nodiscard]] Result<VcpuSetup> prepare_vcpu_setup(const kvm::Kvm& kvm, uint32_t vcpu_count);
[[nodiscard]] Result<> configure_vcpu(const kvm::Vcpu& vcpu, const VcpuSetup& setup,
                                      const BootEntry* boot_entry);

}  // namespace zapotec
