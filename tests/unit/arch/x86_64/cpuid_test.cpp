// Tests of the per-vCPU CPUID adjustment on synthetic KVM_GET_SUPPORTED_CPUID lists.
#include "arch/x86_64/cpuid.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <utility>

#include "cpuid_fixtures.hpp"

namespace zapotec::x86_64 {
namespace {

using namespace test;

std::vector<kvm_cpuid_entry2> adjusted(std::vector<kvm_cpuid_entry2> entries, uint32_t index,
                                       uint32_t count, uint32_t threads_per_core = 1,
                                       CpuVendor vendor = CpuVendor::Intel) {
    adjust_cpuid(entries, {.vcpu_index = index,
                           .vcpu_count = count,
                           .threads_per_core = threads_per_core,
                           .vendor = vendor});
    return entries;
}

uint32_t id_bits(uint32_t n) {
    uint32_t bits = 0;
    while ((1u << bits) < n)
        ++bits;
    return bits;
}

class CpuidTopology : public testing::TestWithParam<uint32_t> {};

TEST_P(CpuidTopology, Leaf1CarriesApicIdCountHttAndHypervisor) {
    const uint32_t count = GetParam();
    for (uint32_t index = 0; index < count; ++index) {
        const auto entries = adjusted(intel_host_list(), index, count);
        const kvm_cpuid_entry2& leaf1 = get(entries, 1);
        EXPECT_EQ(leaf1.ebx >> 24, index);
        EXPECT_EQ((leaf1.ebx >> 16) & 0xff, count);
        EXPECT_EQ((leaf1.ebx >> 8) & 0xff, 8u) << "CLFLUSH line size kept";
        EXPECT_EQ(leaf1.ebx & 0xff, 0x3u) << "brand index kept";
        EXPECT_EQ((leaf1.edx >> 28) & 1, count > 1 ? 1u : 0u) << "HTT";
        EXPECT_EQ(leaf1.ecx >> 31, 1u) << "hypervisor";
        EXPECT_EQ(leaf1.eax, 0x906eau);
        EXPECT_EQ(leaf1.ecx & 0x7fffffff, 0x7ffafbbfu);
    }
}

TEST_P(CpuidTopology, ExtendedTopologyLeaves) {
    const uint32_t count = GetParam();
    for (uint32_t function : {0xbu, 0x1fu}) {
        for (uint32_t index = 0; index < count; ++index) {
            const auto entries = adjusted(intel_host_list(), index, count);
            const kvm_cpuid_entry2& smt = get(entries, function, 0);
            EXPECT_EQ(smt.eax, 0u);
            EXPECT_EQ(smt.ebx, 1u);
            EXPECT_EQ(smt.ecx, 0x100u);  // Level 0, type SMT.
            EXPECT_EQ(smt.edx, index);
            const kvm_cpuid_entry2& core = get(entries, function, 1);
            EXPECT_EQ(core.eax, id_bits(count));
            EXPECT_EQ(core.ebx, count);
            EXPECT_EQ(core.ecx, 0x201u);  // Level 1, type core.
            EXPECT_EQ(core.edx, index);
            const kvm_cpuid_entry2& end = get(entries, function, 2);
            EXPECT_EQ(end.eax, 0u);
            EXPECT_EQ(end.ebx, 0u);
            EXPECT_EQ(end.ecx, 0x2u);  // Level 2, type invalid: no more levels.
            EXPECT_EQ(end.edx, index);
            EXPECT_EQ(find_cpuid_entry(std::span(entries), function, 3), nullptr)
                << "the host's die level is gone";
        }
    }
}

TEST_P(CpuidTopology, CacheSharing) {
    const uint32_t count = GetParam();
    const auto entries = adjusted(intel_host_list(), 0, count);
    for (uint32_t subleaf = 0; subleaf < 3; ++subleaf) {
        const uint32_t eax = get(entries, 4, subleaf).eax;
        EXPECT_EQ((eax >> 14) & 0xfff, 0u) << "L1/L2 private to a core";
        EXPECT_EQ(eax >> 26, count - 1);
        EXPECT_EQ(eax & 0x3fff,
                  cache_eax(subleaf == 0 ? 1 : (subleaf == 1 ? 2 : 3), subleaf < 2 ? 1 : 2, 0, 0));
    }
    const uint32_t l3 = get(entries, 4, 3).eax;
    EXPECT_EQ((l3 >> 14) & 0xfff, count - 1);
    EXPECT_EQ(l3 >> 26, count - 1);
    EXPECT_EQ(get(entries, 4, 4).eax, 0u) << "the terminator stays empty";
}

TEST_P(CpuidTopology, AmdLeaves) {
    const uint32_t count = GetParam();
    for (uint32_t index = 0; index < count; ++index) {
        const auto entries = adjusted(amd_host_list(), index, count, 1, CpuVendor::Amd);
        const kvm_cpuid_entry2& sizes = get(entries, 0x8000'0008);
        EXPECT_EQ(sizes.ecx & 0xff, count - 1);
        EXPECT_EQ((sizes.ecx >> 12) & 0xf, id_bits(count));
        EXPECT_EQ((sizes.ecx >> 16) & 0x3, 2u) << "PerfTscSize kept";
        EXPECT_EQ(sizes.eax, 0x3030u);

        const kvm_cpuid_entry2& ext = get(entries, 0x8000'001e);
        EXPECT_EQ(ext.eax, index);
        EXPECT_EQ(ext.ebx, index);  // Core id; one thread per core.
        EXPECT_EQ(ext.ecx, 0u);     // Node 0 of one.
        EXPECT_EQ(ext.edx, 0u);

        EXPECT_EQ((get(entries, 0x8000'0001).ecx >> 1) & 1, count > 1 ? 1u : 0u) << "CmpLegacy";
        EXPECT_EQ((get(entries, 0x8000'001d, 3).eax >> 14) & 0xfff, count - 1);
        EXPECT_EQ((get(entries, 0x8000'001d, 2).eax >> 14) & 0xfff, 0u);

        // Leaf 0xB is in range (max basic leaf 0xD): filled in, subleaves added.
        EXPECT_EQ(get(entries, 0xb, 1).ebx, count);
        EXPECT_EQ(get(entries, 0xb, 1).edx, index);
        // Leaf 0x1F is not: nothing added.
        EXPECT_EQ(find_cpuid_entry(std::span(entries), 0x1f, 0), nullptr);
    }
}

TEST_P(CpuidTopology, IdempotentAndIndependentOfThePreviousVcpu) {
    const uint32_t count = GetParam();
    for (auto host : {intel_host_list(), amd_host_list()}) {
        const CpuVendor vendor = cpu_vendor(host);
        for (uint32_t index = 0; index < count; ++index) {
            const auto once = adjusted(host, index, count, 1, vendor);
            EXPECT_TRUE(same(adjusted(once, index, count, 1, vendor), once));
            // Reusing vCPU 0's list for this vCPU gives what KVM's list gives.
            const auto from_other =
                adjusted(adjusted(host, 0, count, 1, vendor), index, count, 1, vendor);
            EXPECT_TRUE(same(from_other, once));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Counts, CpuidTopology, testing::Values(1u, 2u, 3u, 8u));

TEST(Cpuid, NoDuplicateKeysAfterAdjusting) {
    for (auto host : {intel_host_list(), amd_host_list()}) {
        const auto entries = adjusted(host, 2, 4, 1, cpu_vendor(host));
        std::set<std::pair<uint32_t, uint32_t>> keys;
        for (const auto& e : entries)
            EXPECT_TRUE(keys.insert({e.function, e.index}).second)
                << std::hex << e.function << "/" << e.index;
    }
}

TEST(Cpuid, TwoThreadsPerCore) {
    const auto intel = adjusted(intel_host_list(), 5, 8, 2);
    EXPECT_EQ(get(intel, 0xb, 0).eax, 1u);
    EXPECT_EQ(get(intel, 0xb, 0).ebx, 2u);
    EXPECT_EQ(get(intel, 0xb, 1).eax, 3u);
    EXPECT_EQ(get(intel, 0xb, 1).ebx, 8u);
    EXPECT_EQ((get(intel, 4, 0).eax >> 14) & 0xfff, 1u) << "L1 shared by the two threads";
    EXPECT_EQ(get(intel, 4, 0).eax >> 26, 3u) << "four cores";
    EXPECT_EQ((get(intel, 4, 3).eax >> 14) & 0xfff, 7u);

    const auto amd = adjusted(amd_host_list(), 5, 8, 2, CpuVendor::Amd);
    EXPECT_EQ(get(amd, 0x8000'001e).eax, 5u);
    EXPECT_EQ(get(amd, 0x8000'001e).ebx, (1u << 8) | 2u);  // Core 2, two threads per core.
    EXPECT_EQ((get(amd, 0x8000'0008).ecx >> 12) & 0xf, 3u);
}

TEST(Cpuid, IntelListKeepsAmdOnlyFields) {
    const auto entries = adjusted(intel_host_list(), 1, 4);
    EXPECT_EQ(get(entries, 0x8000'0008).ecx, 0u);
    EXPECT_EQ(get(entries, 0x8000'0001).ecx, 0x121u);
}

TEST(Cpuid, ThermalPowerKeepsOnlyArat) {
    const auto entries = adjusted(intel_host_list(), 0, 1);
    const kvm_cpuid_entry2& leaf6 = get(entries, 6);
    EXPECT_EQ(leaf6.eax, 0x4u);
    EXPECT_EQ(leaf6.ebx, 0u);
    EXPECT_EQ(leaf6.ecx, 0u);
    EXPECT_EQ(get(entries, 0xa).eax, 0x07300404u) << "PMU leaf untouched";
}

TEST(Cpuid, TscDeadlineOnlyWhenAsked) {
    auto entries = intel_host_list();
    find_cpuid_entry(entries, 1)->ecx &= ~(1u << 24);
    auto without = entries;
    adjust_cpuid(without, {.vcpu_index = 0, .vcpu_count = 1});
    EXPECT_EQ((get(without, 1).ecx >> 24) & 1, 0u);
    adjust_cpuid(entries, {.vcpu_index = 0, .vcpu_count = 1, .tsc_deadline_timer = true});
    EXPECT_EQ((get(entries, 1).ecx >> 24) & 1, 1u);
}

TEST(Cpuid, KeepsKvmsHypervisorLeaf) {
    auto entries = intel_host_list();
    find_cpuid_entry(entries, 0x4000'0000)->eax = 0x4000'0010;
    adjust_cpuid(entries, {.vcpu_index = 0, .vcpu_count = 2});
    const kvm_cpuid_entry2& hv = get(entries, 0x4000'0000);
    EXPECT_EQ(hv.eax, 0x4000'0010u) << "a higher maximum stays";
    EXPECT_EQ(hv.ebx, kKvmEbx);
    EXPECT_EQ(hv.ecx, kKvmEcx);
    EXPECT_EQ(hv.edx, kKvmEdx);
    EXPECT_EQ(get(entries, 0x4000'0001).eax, 0x01007afbu);
}

TEST(Cpuid, RaisesTheHypervisorMaximumToKvmFeatures) {
    auto entries = intel_host_list();
    find_cpuid_entry(entries, 0x4000'0000)->eax = 0;
    adjust_cpuid(entries, {.vcpu_index = 0, .vcpu_count = 1});
    EXPECT_EQ(get(entries, 0x4000'0000).eax, 0x4000'0001u);
}

TEST(Cpuid, AddsTheKvmSignatureWhenMissing) {
    auto entries = intel_host_list();
    std::erase_if(entries, [](const auto& e) { return e.function == 0x4000'0000; });
    adjust_cpuid(entries, {.vcpu_index = 0, .vcpu_count = 1});
    const kvm_cpuid_entry2& hv = get(entries, 0x4000'0000);
    EXPECT_EQ(hv.eax, 0x4000'0001u);
    char signature[12];
    std::memcpy(signature, &hv.ebx, 4);
    std::memcpy(signature + 4, &hv.ecx, 4);
    std::memcpy(signature + 8, &hv.edx, 4);
    EXPECT_EQ(std::string(signature, 12), std::string("KVMKVMKVM\0\0\0", 12));
}

TEST(Cpuid, NoTopologyLeavesBeyondTheBasicRange) {
    auto entries = intel_host_list();
    find_cpuid_entry(entries, 0)->eax = 0xa;
    std::erase_if(entries, [](const auto& e) { return e.function == 0xb || e.function == 0x1f; });
    adjust_cpuid(entries, {.vcpu_index = 1, .vcpu_count = 2});
    EXPECT_EQ(find_cpuid_entry(std::span(entries), 0xb, 0), nullptr);
    EXPECT_EQ(find_cpuid_entry(std::span(entries), 0x1f, 0), nullptr);
}

TEST(Cpuid, NeverGrowsPastKvmsLimit) {
    // A full list that lacks the leaves adjust_cpuid would add.
    auto entries = amd_host_list();
    std::erase_if(entries, [](const auto& e) { return e.function == 0x4000'0000; });
    for (uint32_t i = 0; entries.size() < kMaxCpuidEntries; ++i)
        entries.push_back(entry(0x8000'0100 + i, 0, 0, i, 0, 0, 0));
    adjust_cpuid(entries, {.vcpu_index = 3, .vcpu_count = 4, .vendor = CpuVendor::Amd});
    EXPECT_EQ(entries.size(), kMaxCpuidEntries);
    EXPECT_EQ(get(entries, 1).ebx >> 24, 3u) << "what is there is still adjusted";
    EXPECT_EQ(get(entries, 0xb, 0).edx, 3u);

    // One free slot: the first missing entry goes in, the rest are left out.
    entries.pop_back();
    std::erase_if(entries, [](const auto& e) { return e.function == 0xb && e.index > 0; });
    adjust_cpuid(entries, {.vcpu_index = 3, .vcpu_count = 4, .vendor = CpuVendor::Amd});
    EXPECT_LE(entries.size(), kMaxCpuidEntries);
}

}  // namespace
}  // namespace zapotec::x86_64
