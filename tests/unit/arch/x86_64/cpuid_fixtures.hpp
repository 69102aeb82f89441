// Synthetic KVM_GET_SUPPORTED_CPUID lists and lookups shared by the CPUID tests.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "arch/x86_64/cpuid_entries.hpp"

namespace zapotec::x86_64::test {

inline constexpr uint32_t kIndexed = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
inline constexpr uint32_t kKvmEbx = 0x4b4d564b, kKvmEcx = 0x564b4d56, kKvmEdx = 0x4d;

inline kvm_cpuid_entry2 entry(uint32_t function, uint32_t index, uint32_t flags, uint32_t eax,
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

inline kvm_cpuid_entry2 vendor_entry(uint32_t max_leaf, const char (&name)[13]) {
    uint32_t ebx, edx, ecx;
    std::memcpy(&ebx, name, 4);
    std::memcpy(&edx, name + 4, 4);
    std::memcpy(&ecx, name + 8, 4);
    return entry(0, 0, 0, max_leaf, ebx, ecx, edx);
}

// A deterministic-cache-parameters EAX: type, level, threads sharing - 1, cores - 1.
inline uint32_t cache_eax(uint32_t type, uint32_t level, uint32_t sharing, uint32_t cores) {
    return type | (level << 5) | (sharing << 14) | (cores << 26);
}

// Shaped like KVM_GET_SUPPORTED_CPUID on a 16-thread Intel host whose KVM still passes the
// host's topology through (Linux 6.1): host APIC id and counts in leaf 1, a die level in
// 0x1F, no hypervisor bit.
inline std::vector<kvm_cpuid_entry2> intel_host_list() {
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
inline std::vector<kvm_cpuid_entry2> amd_host_list() {
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

inline const kvm_cpuid_entry2& get(const std::vector<kvm_cpuid_entry2>& entries, uint32_t function,
                                   uint32_t index = 0) {
    static const kvm_cpuid_entry2 missing{};
    const kvm_cpuid_entry2* e = find_cpuid_entry(std::span(entries), function, index);
    EXPECT_NE(e, nullptr) << std::hex << "leaf " << function << " subleaf " << index;
    return e ? *e : missing;
}

inline bool same(const std::vector<kvm_cpuid_entry2>& a, const std::vector<kvm_cpuid_entry2>& b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(kvm_cpuid_entry2)) == 0;
}

// The x2APIC id bits needed for `n` ids.

}  // namespace zapotec::x86_64::test
