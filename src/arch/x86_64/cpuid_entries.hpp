// Lists of kvm_cpuid_entry2: the kvm_cpuid2 buffer, lookup and insertion by (leaf, subleaf),
// register bit fields, and the CPU vendor a list describes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "arch/x86_64/fam_buffer.hpp"
#include "arch/x86_64/kvm_uapi.hpp"
#include "base/error.hpp"

namespace zapotec::x86_64 {

// KVM_GET_SUPPORTED_CPUID and KVM_SET_CPUID2 take at most this many entries
// (KVM_MAX_CPUID_ENTRIES, not part of the uapi headers).
inline constexpr std::size_t kMaxCpuidEntries = 256;

// kvm_cpuid2 with its entries: KvmCpuid::with_capacity(kMaxCpuidEntries) for
// KVM_GET_SUPPORTED_CPUID, KvmCpuid::from_entries(list) for KVM_SET_CPUID2.
using KvmCpuid = FamBuffer<kvm_cpuid2, kvm_cpuid_entry2, &kvm_cpuid2::nent, kMaxCpuidEntries>;

// The CPUID leaves Zapotec reads or rewrites.
namespace leaf {
inline constexpr uint32_t kVendor = 0x0;  // EAX: highest basic leaf; vendor in EBX, EDX, ECX.
inline constexpr uint32_t kFeatures = 0x1;
inline constexpr uint32_t kCacheParameters = 0x4;
inline constexpr uint32_t kThermalPower = 0x6;
inline constexpr uint32_t kExtendedTopology = 0xb;
inline constexpr uint32_t kExtendedTopologyV2 = 0x1f;
inline constexpr uint32_t kHypervisor = 0x4000'0000;  // EAX: highest hypervisor leaf.
inline constexpr uint32_t kKvmFeatures = 0x4000'0001;
inline constexpr uint32_t kExtendedMax = 0x8000'0000;  // EAX: highest extended leaf.
inline constexpr uint32_t kExtendedFeatures = 0x8000'0001;
inline constexpr uint32_t kAddressSizes = 0x8000'0008;  // AMD: also the thread count.
inline constexpr uint32_t kAmdCacheTopology = 0x8000'001d;
inline constexpr uint32_t kAmdExtendedApicId = 0x8000'001e;
}  // namespace leaf

enum class CpuVendor { Intel, Amd, Other };

// A field of `width` bits starting at bit `shift` of a 32-bit register.
struct BitField {
    unsigned shift = 0;
    unsigned width = 1;

    [[nodiscard]] constexpr uint32_t max() const {
        return width >= 32 ? UINT32_MAX : (uint32_t{1} << width) - 1;
    }
    [[nodiscard]] constexpr uint32_t mask() const { return max() << shift; }
    [[nodiscard]] constexpr uint32_t get(uint32_t reg) const { return (reg >> shift) & max(); }
    // Stores `value`, saturated to the field's maximum, leaving the other bits alone.
    constexpr void set(uint32_t& reg, uint32_t value) const {
        reg = (reg & ~mask()) | ((value > max() ? max() : value) << shift);
    }
};

// Sets or clears the single-bit flags in `bits`.
constexpr void set_bits(uint32_t& reg, uint32_t bits, bool on) {
    reg = on ? (reg | bits) : (reg & ~bits);
}

// The entry CPUID(function, index) would return: an entry matches when its function is
// equal and, if its index is significant, its index too. Null when there is none.
[[nodiscard]] kvm_cpuid_entry2* find_cpuid_entry(std::span<kvm_cpuid_entry2> entries,
                                                 uint32_t function, uint32_t index = 0);
[[nodiscard]] const kvm_cpuid_entry2* find_cpuid_entry(std::span<const kvm_cpuid_entry2> entries,
                                                       uint32_t function, uint32_t index = 0);
// A mutable vector converts to both spans; this picks the mutable one.
[[nodiscard]] inline kvm_cpuid_entry2* find_cpuid_entry(std::vector<kvm_cpuid_entry2>& entries,
                                                        uint32_t function, uint32_t index = 0) {
    return find_cpuid_entry(std::span<kvm_cpuid_entry2>(entries), function, index);
}

// Replaces the entry with the same function and index, or appends `entry` when there is
// none. Fails, leaving the list alone, when appending would exceed kMaxCpuidEntries.
[[nodiscard]] Result<> set_cpuid_entry(std::vector<kvm_cpuid_entry2>& entries,
                                       const kvm_cpuid_entry2& entry);

// Removes the entries of `function` whose index is `first_index` or more.
void remove_cpuid_subleaves(std::vector<kvm_cpuid_entry2>& entries, uint32_t function,
                            uint32_t first_index);

// The highest leaf the guest may query in the range that `range_base` starts (0, 0x40000000
// or 0x80000000): EAX of that base leaf, or 0 when the list lacks it.
[[nodiscard]] uint32_t max_cpuid_leaf(std::span<const kvm_cpuid_entry2> entries,
                                      uint32_t range_base);

// The vendor named by leaf 0 ("GenuineIntel"; "AuthenticAMD" and "HygonGenuine" are AMD).
[[nodiscard]] CpuVendor cpu_vendor(std::span<const kvm_cpuid_entry2> entries);

}  // namespace zapotec::x86_64
