// Per-vCPU CPUID: KVM_GET_SUPPORTED_CPUID's list adjusted to the vCPU's APIC id, the VM's
// topology and the hypervisor's presence.
#pragma once

#include <cstdint>
#include <vector>

#include "arch/x86_64/cpuid_entries.hpp"
#include "arch/x86_64/kvm_uapi.hpp"
#include "base/error.hpp"

namespace zapotec::x86_64 {

// APIC ids 0..254: the 8-bit xAPIC id of leaf 1 (0xff is the broadcast id).
inline constexpr uint32_t kMaxCpuidVcpus = 255;

struct CpuidContext {
    // The vCPU's index, which is also its (x2)APIC id: the MADT must list the same ids.
    uint32_t vcpu_index = 0;
    uint32_t vcpu_count = 1;
    // Logical processors per core, a power of two; the VM is one package of
    // ceil(vcpu_count / threads_per_core) cores.
    uint32_t threads_per_core = 1;
    // The host's vendor (cpu_vendor() of KVM's list): the AMD topology leaves are only
    // rewritten for AMD, and each vendor's guest reads its own leaves.
    CpuVendor vendor = CpuVendor::Other;
    // Advertise the TSC-deadline LAPIC timer; set when KVM_CHECK_EXTENSION reports
    // KVM_CAP_TSC_DEADLINE_TIMER, which KVM_GET_SUPPORTED_CPUID does not include.
    bool tsc_deadline_timer = false;
};

// Checks the preconditions of adjust_cpuid: 1 <= vcpu_count <= kMaxCpuidVcpus,
// vcpu_index < vcpu_count, threads_per_core a power of two no larger than vcpu_count.
[[nodiscard]] Result<> validate_cpuid_context(const CpuidContext& ctx);

// Rewrites `entries`, as returned by KVM_GET_SUPPORTED_CPUID, for one vCPU:
//  - leaf 1: initial APIC id, logical processor count, HTT, hypervisor bit (and TSC deadline);
//  - leaf 4 (and AMD's 0x8000001D): cores per package and threads sharing each cache;
//  - leaf 6: only ARAT kept, the power-management features KVM does not emulate cleared;
//  - leaves 0xB and 0x1F (when in the basic range): SMT and core levels with the x2APIC id;
//  - AMD: 0x80000001 CmpLegacy, 0x80000008 thread count and APIC id size, 0x8000001E ids;
//  - leaf 0x40000000: KVM's signature kept (added when missing), EAX at least 0x40000001 so
//    that the guest looks for kvmclock in 0x40000001.
// Idempotent: adjusting an adjusted list, or another vCPU's adjusted list, gives the same
// result as adjusting KVM's list. The list never grows past kMaxCpuidEntries: an entry that
// does not fit is left out and the guest reads zeros for it (KVM's list has far fewer than
// 256 entries). A context that validate_cpuid_context rejects is clamped into range.
void adjust_cpuid(std::vector<kvm_cpuid_entry2>& entries, const CpuidContext& ctx);

}  // namespace zapotec::x86_64
