// Tests of CPUID list lookup and insertion, vendor detection, context validation and the
// kvm_cpuid2 buffer.
#include "arch/x86_64/cpuid_entries.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "arch/x86_64/cpuid.hpp"
#include "cpuid_fixtures.hpp"

namespace zapotec::x86_64 {
namespace {

using namespace test;

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
