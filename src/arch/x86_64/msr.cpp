// The boot values of the model-specific registers and lookups in MSR lists.
#include "arch/x86_64/msr.hpp"

#include <algorithm>

namespace zapotec::x86_64 {

std::vector<kvm_msr_entry> boot_msrs() {
    return {
        msr_entry(Msr::SysenterCs, 0),
        msr_entry(Msr::SysenterEsp, 0),
        msr_entry(Msr::SysenterEip, 0),
        msr_entry(Msr::Star, 0),
        msr_entry(Msr::Cstar, 0),
        msr_entry(Msr::KernelGsBase, 0),
        msr_entry(Msr::SyscallMask, 0),
        msr_entry(Msr::Lstar, 0),
        // KVM treats a host write of zero as an attempt to synchronize, so vCPUs set up one
        // after another still share one TSC.
        msr_entry(Msr::Tsc, 0),
        msr_entry(Msr::MiscEnable, kMiscEnableFastStrings),
        msr_entry(Msr::MtrrDefType, kMtrrDefTypeBoot),
    };
}

Result<KvmMsrs> msrs_for_reading(std::span<const Msr> msrs) {
    auto buffer = TRY(KvmMsrs::with_capacity(msrs.size()));
    std::ranges::transform(msrs, buffer.entries().begin(),
                           [](Msr msr) { return msr_entry(msr, 0); });
    return buffer;
}

Result<uint64_t> find_msr(std::span<const kvm_msr_entry> entries, Msr msr) {
    auto it = std::ranges::find(entries, static_cast<uint32_t>(msr), &kvm_msr_entry::index);
    if (it == entries.end())
        return make_error("MSR {:#x} is not in the list", static_cast<uint32_t>(msr));
    return it->data;
}

}  // namespace zapotec::x86_64
