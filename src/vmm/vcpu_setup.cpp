#include "vmm/vcpu_setup.hpp"

#include "arch/x86_64/cpuid.hpp"
#include "arch/x86_64/fpu.hpp"
#include "arch/x86_64/lapic.hpp"
#include "arch/x86_64/msr.hpp"

namespace zapotec {

Result<VcpuSetup> prepare_vcpu_setup(const kvm::Kvm& kvm, uint32_t vcpu_count) {
    VcpuSetup setup;
    setup.supported_cpuid = TRY(kvm.supported_cpuid());
    setup.vcpu_count = vcpu_count;
    setup.tsc_deadline_timer = kvm.check_extension(KVM_CAP_TSC_DEADLINE_TIMER) > 0;
    return setup;
}

Result<> configure_vcpu(const kvm::Vcpu& vcpu, const VcpuSetup& setup,
                        const BootEntry* boot_entry) {
    auto cpuid = setup.supported_cpuid;
    x86_64::CpuidContext context;
    context.vcpu_index = vcpu.id();
    context.vcpu_count = setup.vcpu_count;
    context.vendor = x86_64::cpu_vendor(cpuid);
    context.tsc_deadline_timer = setup.tsc_deadline_timer;
    TRY(x86_64::validate_cpuid_context(context));
    x86_64::adjust_cpuid(cpuid, context);
    TRY(vcpu.set_cpuid(cpuid));
    TRY(vcpu.set_msrs(x86_64::boot_msrs()));
    TRY(vcpu.set_fpu(x86_64::boot_fpu()));
    auto lapic = TRY(vcpu.get_lapic());
    x86_64::setup_lapic_lint(lapic);
    TRY(vcpu.set_lapic(lapic));
    if (boot_entry) {
        auto sregs = TRY(vcpu.get_sregs());
        setup_boot_sregs(*boot_entry, sregs);
        TRY(vcpu.set_sregs(sregs));
        TRY(vcpu.set_regs(boot_entry->regs));
    }
    return {};
}

}  // namespace zapotec
