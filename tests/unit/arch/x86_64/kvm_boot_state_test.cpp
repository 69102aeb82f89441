// Checks the pure boot-state functions against the real KVM when /dev/kvm is usable: the
// adjusted CPUID keeps KVM's hypervisor leaf, and KVM accepts the boot CPUID, MSRs,
// registers and LAPIC. Each test skips, saying why, where KVM is not available.
// First, so that every KVM struct and ioctl number below has the kernel's layout.
#include "arch/x86_64/kvm_uapi.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "arch/x86_64/cpuid.hpp"
#include "arch/x86_64/fpu.hpp"
#include "arch/x86_64/lapic.hpp"
#include "arch/x86_64/msr.hpp"
#include "arch/x86_64/regs.hpp"
#include "base/unique_fd.hpp"

namespace zapotec::x86_64 {
namespace {

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

UniqueFd open_kvm(std::string& why_not) {
    UniqueFd kvm(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!kvm)
        why_not = errno_text("open /dev/kvm");
    return kvm;
}

// KVM_GET_SUPPORTED_CPUID into a full-size buffer; empty with `why_not` set on failure.
std::vector<kvm_cpuid_entry2> supported_cpuid(const UniqueFd& kvm, std::string& why_not) {
    auto buffer = KvmCpuid::with_capacity(kMaxCpuidEntries);
    if (!buffer) {
        why_not = buffer.error().message();
        return {};
    }
    if (::ioctl(kvm.get(), KVM_GET_SUPPORTED_CPUID, buffer->get()) < 0) {
        why_not = errno_text("KVM_GET_SUPPORTED_CPUID");
        return {};
    }
    return buffer->to_vector();
}

TEST(KvmSupportedCpuid, AdjustingKeepsKvmsHypervisorLeaf) {
    std::string why_not;
    const UniqueFd kvm = open_kvm(why_not);
    if (!kvm)
        GTEST_SKIP() << why_not;
    const auto supported = supported_cpuid(kvm, why_not);
    if (supported.empty())
        GTEST_SKIP() << why_not;

    const kvm_cpuid_entry2* original = find_cpuid_entry(std::span(supported), leaf::kHypervisor);
    ASSERT_NE(original, nullptr) << "KVM reports no hypervisor leaf";

    auto entries = supported;
    const CpuidContext ctx{.vcpu_index = 1, .vcpu_count = 2, .vendor = cpu_vendor(supported)};
    ASSERT_TRUE(validate_cpuid_context(ctx).has_value());
    adjust_cpuid(entries, ctx);

    const kvm_cpuid_entry2* hv = find_cpuid_entry(std::span(entries), leaf::kHypervisor);
    ASSERT_NE(hv, nullptr);
    EXPECT_EQ(hv->ebx, original->ebx);
    EXPECT_EQ(hv->ecx, original->ecx);
    EXPECT_EQ(hv->edx, original->edx);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&hv->ebx), 4), "KVMK");
    EXPECT_GE(hv->eax, leaf::kKvmFeatures);
    EXPECT_GE(hv->eax, original->eax);
    EXPECT_LE(entries.size(), kMaxCpuidEntries);

    const kvm_cpuid_entry2* features = find_cpuid_entry(std::span(entries), leaf::kFeatures);
    ASSERT_NE(features, nullptr);
    EXPECT_EQ(features->ebx >> 24, 1u);
    EXPECT_NE(features->ecx & (1u << 31), 0u);
}

TEST(KvmBootState, KvmAcceptsTheBootVcpuState) {
    std::string why_not;
    const UniqueFd kvm = open_kvm(why_not);
    if (!kvm)
        GTEST_SKIP() << why_not;
    auto entries = supported_cpuid(kvm, why_not);
    if (entries.empty())
        GTEST_SKIP() << why_not;
    const UniqueFd vm(::ioctl(kvm.get(), KVM_CREATE_VM, 0));
    if (!vm)
        GTEST_SKIP() << errno_text("KVM_CREATE_VM");
    if (::ioctl(vm.get(), KVM_CREATE_IRQCHIP, 0) < 0)
        GTEST_SKIP() << errno_text("KVM_CREATE_IRQCHIP");
    const UniqueFd vcpu(::ioctl(vm.get(), KVM_CREATE_VCPU, 0));
    if (!vcpu)
        GTEST_SKIP() << errno_text("KVM_CREATE_VCPU");

    adjust_cpuid(entries, {.vcpu_index = 0, .vcpu_count = 1, .vendor = cpu_vendor(entries)});
    auto cpuid = KvmCpuid::from_entries(entries);
    ASSERT_TRUE(cpuid.has_value());
    ASSERT_EQ(::ioctl(vcpu.get(), KVM_SET_CPUID2, cpuid->get()), 0) << errno_text("KVM_SET_CPUID2");

    const auto msrs = boot_msrs();
    auto msr_buffer = KvmMsrs::from_entries(msrs);
    ASSERT_TRUE(msr_buffer.has_value());
    // KVM_SET_MSRS returns how many MSRs it set, stopping at the first it rejects.
    EXPECT_EQ(::ioctl(vcpu.get(), KVM_SET_MSRS, msr_buffer->get()), static_cast<int>(msrs.size()))
        << errno_text("KVM_SET_MSRS");

    kvm_sregs sregs{};
    ASSERT_EQ(::ioctl(vcpu.get(), KVM_GET_SREGS, &sregs), 0) << errno_text("KVM_GET_SREGS");
    setup_long_mode_sregs(sregs);
    EXPECT_EQ(::ioctl(vcpu.get(), KVM_SET_SREGS, &sregs), 0) << errno_text("KVM_SET_SREGS");
    kvm_sregs read_back{};
    ASSERT_EQ(::ioctl(vcpu.get(), KVM_GET_SREGS, &read_back), 0);
    EXPECT_EQ(read_back.cr0, kLongModeCr0);
    EXPECT_EQ(read_back.cr3, sregs.cr3);
    EXPECT_EQ(read_back.efer & kLongModeEfer, kLongModeEfer);
    EXPECT_EQ(read_back.cs.l, 1);

    const kvm_regs regs = linux64_boot_regs(0x100200, 0x7000);
    EXPECT_EQ(::ioctl(vcpu.get(), KVM_SET_REGS, &regs), 0) << errno_text("KVM_SET_REGS");
    const kvm_fpu fpu = boot_fpu();
    EXPECT_EQ(::ioctl(vcpu.get(), KVM_SET_FPU, &fpu), 0) << errno_text("KVM_SET_FPU");

    kvm_lapic_state lapic{};
    ASSERT_EQ(::ioctl(vcpu.get(), KVM_GET_LAPIC, &lapic), 0) << errno_text("KVM_GET_LAPIC");
    setup_lapic_lint(lapic);
    EXPECT_EQ(::ioctl(vcpu.get(), KVM_SET_LAPIC, &lapic), 0) << errno_text("KVM_SET_LAPIC");
    kvm_lapic_state lapic_back{};
    ASSERT_EQ(::ioctl(vcpu.get(), KVM_GET_LAPIC, &lapic_back), 0);
    EXPECT_EQ(read_lapic_register(lapic_back, LapicRegister::LvtLint0) & kLvtDeliveryModeMask,
              0x700u);
    EXPECT_EQ(read_lapic_register(lapic_back, LapicRegister::LvtLint1) & kLvtDeliveryModeMask,
              0x400u);

    // Long-mode and PVH state alike: PVH's 32-bit protected mode must be accepted too.
    ASSERT_EQ(::ioctl(vcpu.get(), KVM_GET_SREGS, &sregs), 0);
    setup_pvh_sregs(sregs);
    EXPECT_EQ(::ioctl(vcpu.get(), KVM_SET_SREGS, &sregs), 0) << errno_text("KVM_SET_SREGS PVH");
}

}  // namespace
}  // namespace zapotec::x86_64
