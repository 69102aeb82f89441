// Tests of the per-vCPU CPUID adjustment on synthetic KVM_GET_SUPPORTED_CPUID lists.
#include "arch/x86_64/cpuid.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <utility>

namespace zapotec::x86_64 {
namespace {

constexpr uint32_t kIndexed = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
constexpr uint32_t kKvmEbx = 0x4b4d564b, kKvmEcx = 0x564b4d56, kKvmEdx = 0x4d;

kvm_cpuid_entry2 entry(uint32_t function, uint32_t index, uint32_t flags, uint32_t eax,
                       uint32_t ebx, uint32_t ecx, uint32_t edx) {
    kvm_cpuid_entry2 e{};
    e.function = function;
    e.index = index;
    e.flags = flags;
    e.eax = eax;
    e.ebx = ebx;
    e.ecx = ecx;
    e.edx = edx;
    return e;
}

kvm_cpuid_entry2 vendor_entry(uint32_t max_leaf, const char (&name)[13]) {
    uint32_t ebx, edx, ecx;
    std::memcpy(&ebx, name, 4);
    std::memcpy(&edx, name + 4, 4);
    std::memcpy(&ecx, name + 8, 4);
    return entry(0, 0, 0, max_leaf, ebx, ecx, edx);
}

// A deterministic-cache-parameters EAX: type, level, threads sharing - 1, cores - 1.
uint32_t cache_eax(uint32_t type, uint32_t level, uint32_t sharing, uint32_t cores) {
    return type | (level << 5) | (sharing << 14) | (cores << 26);
}

// Shaped like KVM_GET_SUPPORTED_CPUID on a 16-thread Intel host whose KVM still passes the
// host's topology through (Linux 6.1): host APIC id and counts in leaf 1, a die level in
// 0x1F, no hypervisor bit.
std::vector<kvm_cpuid_entry2> intel_host_list() {
    return {
        vendor_entry(0x1f, "GenuineIntel"),
        entry(1, 0, 0, 0x906ea, (6u << 24) | (16u << 16) | (8u << 8) | 0x3, 0x7ffafbbf, 0xbfebfbff),
        entry(4, 0, kIndexed, cache_eax(1, 1, 1, 7), 0x1c0003f, 0x3f, 0),
        entry(4, 1, kIndexed, cache_eax(2, 1, 1, 7), 0x1c0003f, 0x3f, 0),
        entry(4, 2, kIndexed, cache_eax(3, 2, 1, 7), 0x1c0003f, 0x3ff, 0),
        entry(4, 3, kIndexed, cache_eax(3, 3, 15, 7), 0x3c0003f, 0x3fff, 0x6),
        entry(4, 4, kIndexed, 0, 0, 0, 0),
        entry(6, 0, 0, 0x4 | 0x2 | 0x1, 0x2, 0x9, 0),
        entry(0xa, 0, 0, 0x07300404, 0, 0, 0x603),
        entry(0xb, 0, kIndexed, 1, 2, 0x100, 6),
        entry(0xb, 1, kIndexed, 4, 16, 0x201, 6),
        entry(0xb, 2, kIndexed, 0, 0, 0x2, 6),
        entry(0x1f, 0, kIndexed, 1, 2, 0x100, 6),
        entry(0x1f, 1, kIndexed, 4, 16, 0x201, 6),
        entry(0x1f, 2, kIndexed, 5, 16, 0x502, 6),  // A die level.
        entry(0x1f, 3, kIndexed, 0, 0, 0x3, 6),
        entry(0x4000'0000, 0, 0, 0x4000'0001, kKvmEbx, kKvmEcx, kKvmEdx),
        entry(0x4000'0001, 0, 0, 0x01007afb, 0, 0, 0),
        entry(0x8000'0000, 0, 0, 0x8000'0008, 0, 0, 0),
        entry(0x8000'0001, 0, 0, 0, 0, 0x121, 0x2c100800),
        entry(0x8000'0008, 0, 0, 0x3027, 0, 0, 0),
    };
}

// Shaped like an AMD EPYC host's list from a newer KVM: leaf 0xB reduced to an empty
// subleaf 0, basic leaves only up to 0xD, host topology in the 0x8000001x leaves.
std::vector<kvm_cpuid_entry2> amd_host_list() {
    return {
        vendor_entry(0xd, "AuthenticAMD"),
        entry(1, 0, 0, 0x800f12, (9u << 24) | (64u << 16) | (8u << 8), 0x7ed8320b, 0x178bfbff),
        entry(6, 0, 0, 0x4, 0, 0, 0),
        entry(0xb, 0, kIndexed, 0, 0, 0, 0),
        entry(0x4000'0000, 0, 0, 0x4000'0001, kKvmEbx, kKvmEcx, kKvmEdx),
        entry(0x4000'0001, 0, 0, 0x01007afb, 0, 0, 0),
        entry(0x8000'0000, 0, 0, 0x8000'001f, 0x68747541, 0x444d4163, 0x69746e65),
        entry(0x8000'0001, 0, 0, 0x800f12, 0, 0x35c233ff, 0x2fd3fbff),
        entry(0x8000'0008, 0, 0, 0x3030, 0, (2u << 16) | (7u << 12) | 63u, 0),
        entry(0x8000'001d, 0, kIndexed, cache_eax(1, 1, 1, 0), 0x3f, 0x3f, 0),
        entry(0x8000'001d, 1, kIndexed, cache_eax(2, 1, 1, 0), 0x3f, 0x3f, 0),
        entry(0x8000'001d, 2, kIndexed, cache_eax(3, 2, 1, 0), 0x1c0003f, 0x3ff, 0x2),
        entry(0x8000'001d, 3, kIndexed, cache_eax(3, 3, 7, 0), 0x3c0003f, 0x1fff, 0x1),
        entry(0x8000'001d, 4, kIndexed, 0, 0, 0, 0),
        entry(0x8000'001e, 0, 0, 9, 0x104, 0x300, 0),
    };
}

std::vector<kvm_cpuid_entry2> adjusted(std::vector<kvm_cpuid_entry2> entries, uint32_t index,
                                       uint32_t count, uint32_t threads_per_core = 1,
                                       CpuVendor vendor = CpuVendor::Intel) {
    adjust_cpuid(entries, {.vcpu_index = index,
                           .vcpu_count = count,
                           .threads_per_core = threads_per_core,
                           .vendor = vendor});
    return entries;
}

const kvm_cpuid_entry2& get(const std::vector<kvm_cpuid_entry2>& entries, uint32_t function,
                            uint32_t index = 0) {
    static const kvm_cpuid_entry2 missing{};
    const kvm_cpuid_entry2* e = find_cpuid_entry(std::span(entries), function, index);
    EXPECT_NE(e, nullptr) << std::hex << "leaf " << function << " subleaf " << index;
    return e ? *e : missing;
}

bool same(const std::vector<kvm_cpuid_entry2>& a, const std::vector<kvm_cpuid_entry2>& b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(kvm_cpuid_entry2)) == 0;
}

// The x2APIC id bits needed for `n` ids.
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

TEST(CpuidEntries, SetReplacesOrAppendsWithinTheLimit) {
    std::vector<kvm_cpuid_entry2> entries{entry(0xb, 0, kIndexed, 1, 1, 0x100, 0)};
    ASSERT_TRUE(set_cpuid_entry(entries, entry(0xb, 1, kIndexed, 2, 2, 0x201, 0)).has_value());
    ASSERT_EQ(entries.size(), 2u);
    ASSERT_TRUE(set_cpuid_entry(entries, entry(0xb, 0, kIndexed, 7, 7, 0x100, 0)).has_value());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(get(entries, 0xb, 0).eax, 7u);
    EXPECT_EQ(get(entries, 0xb, 1).eax, 2u);

    while (entries.size() < kMaxCpuidEntries)
        entries.push_back(entry(0x100 + static_cast<uint32_t>(entries.size()), 0, 0, 0, 0, 0, 0));
    EXPECT_FALSE(set_cpuid_entry(entries, entry(0xb, 2, kIndexed, 0, 0, 2, 0)).has_value());
    EXPECT_EQ(entries.size(), kMaxCpuidEntries);
    EXPECT_TRUE(set_cpuid_entry(entries, entry(0xb, 1, kIndexed, 0, 0, 0x201, 0)).has_value());
}

TEST(CpuidEntries, FindHonoursTheSignificantIndexFlag) {
    const std::vector<kvm_cpuid_entry2> entries{entry(1, 0, 0, 11, 0, 0, 0),
                                                entry(4, 0, kIndexed, 40, 0, 0, 0),
                                                entry(4, 1, kIndexed, 41, 0, 0, 0)};
    EXPECT_EQ(get(entries, 1, 5).eax, 11u) << "index ignored without the flag";
    EXPECT_EQ(get(entries, 4, 1).eax, 41u);
    EXPECT_EQ(find_cpuid_entry(std::span(entries), 4, 2), nullptr);
    EXPECT_EQ(find_cpuid_entry(std::span(entries), 2, 0), nullptr);
}

TEST(CpuidEntries, Vendor) {
    EXPECT_EQ(cpu_vendor(intel_host_list()), CpuVendor::Intel);
    EXPECT_EQ(cpu_vendor(amd_host_list()), CpuVendor::Amd);
    EXPECT_EQ(cpu_vendor(std::vector{vendor_entry(0xd, "HygonGenuine")}), CpuVendor::Amd);
    EXPECT_EQ(cpu_vendor(std::vector{vendor_entry(0xd, "CentaurHauls")}), CpuVendor::Other);
    EXPECT_EQ(cpu_vendor(std::vector<kvm_cpuid_entry2>{}), CpuVendor::Other);
}

TEST(CpuidEntries, MaxLeafOfEachRange) {
    const auto entries = intel_host_list();
    EXPECT_EQ(max_cpuid_leaf(entries, 0), 0x1fu);
    EXPECT_EQ(max_cpuid_leaf(entries, 0x8000'0000), 0x8000'0008u);
    EXPECT_EQ(max_cpuid_leaf(entries, 0xc000'0000), 0u);
}

TEST(CpuidContext, Validation) {
    EXPECT_TRUE(validate_cpuid_context({.vcpu_index = 0, .vcpu_count = 1}).has_value());
    EXPECT_TRUE(validate_cpuid_context({.vcpu_index = 7, .vcpu_count = 8, .threads_per_core = 2})
                    .has_value());
    EXPECT_TRUE(validate_cpuid_context({.vcpu_index = 254, .vcpu_count = 255}).has_value());
    EXPECT_FALSE(validate_cpuid_context({.vcpu_index = 0, .vcpu_count = 0}).has_value());
    EXPECT_FALSE(validate_cpuid_context({.vcpu_index = 0, .vcpu_count = 256}).has_value());
    EXPECT_FALSE(validate_cpuid_context({.vcpu_index = 2, .vcpu_count = 2}).has_value());
    EXPECT_FALSE(validate_cpuid_context({.vcpu_index = 0, .vcpu_count = 6, .threads_per_core = 3})
                     .has_value());
    EXPECT_FALSE(validate_cpuid_context({.vcpu_index = 0, .vcpu_count = 2, .threads_per_core = 4})
                     .has_value());
    EXPECT_FALSE(validate_cpuid_context({.vcpu_index = 0, .vcpu_count = 2, .threads_per_core = 0})
                     .has_value());
}

TEST(KvmCpuid, LaysOutEntriesAsTheKernelExpects) {
    const auto entries = intel_host_list();
    auto buffer = KvmCpuid::from_entries(entries);
    ASSERT_TRUE(buffer.has_value());
    EXPECT_EQ(buffer->get()->nent, entries.size());
    // nent, padding, then the entries from byte 8 (offsetof says 12 in C++ here).
    const auto* bytes = reinterpret_cast<const uint8_t*>(buffer->get());
    kvm_cpuid_entry2 second{};
    std::memcpy(&second, bytes + 8 + sizeof(kvm_cpuid_entry2), sizeof(second));
    EXPECT_EQ(second.function, 1u);
    EXPECT_EQ(second.ebx, entries[1].ebx);
    EXPECT_TRUE(same(buffer->to_vector(), entries));
    EXPECT_FALSE(KvmCpuid::with_capacity(kMaxCpuidEntries + 1).has_value());
}

}  // namespace
}  // namespace zapotec::x86_64
