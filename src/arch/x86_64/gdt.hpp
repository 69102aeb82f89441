// The boot GDT and empty IDT, segment descriptor encoding, and descriptor -> kvm_segment.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "arch/x86_64/kvm_uapi.hpp"
#include "arch/x86_64/layout.hpp"
#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::x86_64 {

// The 16-bit descriptor flags: bits 7:0 are the access byte, bits 15:12 the G, D/B, L and
// AVL flags; gdt_entry() spreads them over the 8-byte descriptor.
inline constexpr uint16_t kSegmentAccessed = 1u << 0;
inline constexpr uint16_t kSegmentReadWrite = 1u << 1;  // Readable code or writable data.
inline constexpr uint16_t kSegmentExecutable = 1u << 3;
inline constexpr uint16_t kSegmentCodeOrData = 1u << 4;  // The S bit: clear for a TSS.
inline constexpr uint16_t kSegmentPresent = 1u << 7;
inline constexpr uint16_t kSegmentTypeBusyTss = 0xb;       // Busy 32-bit (or 64-bit) TSS.
inline constexpr uint16_t kSegmentLong = 1u << 13;         // 64-bit code.
inline constexpr uint16_t kSegmentDefaultBig = 1u << 14;   // 32-bit operands and stack.
inline constexpr uint16_t kSegmentGranularity = 1u << 15;  // Limit counts 4 KiB pages.

inline constexpr uint16_t kFlatAccess =
    kSegmentPresent | kSegmentCodeOrData | kSegmentReadWrite | kSegmentAccessed;
inline constexpr uint16_t kCode64Flags =
    kSegmentGranularity | kSegmentLong | kFlatAccess | kSegmentExecutable;
inline constexpr uint16_t kCode32Flags =
    kSegmentGranularity | kSegmentDefaultBig | kFlatAccess | kSegmentExecutable;
inline constexpr uint16_t kDataFlags = kSegmentGranularity | kSegmentDefaultBig | kFlatAccess;
inline constexpr uint16_t kTssFlags = kSegmentPresent | kSegmentTypeBusyTss;
static_assert(kCode64Flags == 0xa09b);
static_assert(kCode32Flags == 0xc09b);
static_assert(kDataFlags == 0xc093);
static_assert(kTssFlags == 0x008b);

// With 4 KiB granularity, a 20-bit limit of 0xfffff covers 4 GiB.
inline constexpr uint32_t kFlatLimit = 0xfffff;
// A TSS is 104 bytes in both 32-bit and 64-bit mode.
inline constexpr uint32_t kTssLimit = 0x67;

// How the vCPU enters the kernel: Linux's 64-bit boot protocol, or PVH's 32-bit flat
// protected mode.
enum class CpuMode { Long64, Protected32 };

// The boot GDT has four slots, as many as fit below the IDT in the memory layout. Linux's
// boot protocol requires code at 0x10 and data at 0x18, which leaves slot 1 for the TSS.
// The TSS descriptor is the 8-byte legacy form; in long mode a system descriptor would take
// 16 bytes, but nothing reads it: KVM takes TR from kvm_sregs, and both entry paths load
// their own GDT and TSS before they use one.
enum class GdtSlot : uint16_t { Null = 0, Tss = 1, Code = 2, Data = 3 };
inline constexpr std::size_t kBootGdtEntries = 4;
inline constexpr uint64_t kBootGdtSize = kBootGdtEntries * sizeof(uint64_t);
// One not-present 16-byte gate: every exception before the kernel's own IDT shuts down.
inline constexpr uint64_t kBootIdtSize = 16;
static_assert(kGdtAddress + kBootGdtSize <= kIdtAddress, "the boot GDT overlaps the IDT");

[[nodiscard]] constexpr uint16_t selector(GdtSlot slot) {
    return static_cast<uint16_t>(static_cast<uint16_t>(slot) * sizeof(uint64_t));
}

// Field positions in an 8-byte segment descriptor.
namespace descriptor {
inline constexpr unsigned kLimitLowShift = 0;  // Limit 15:0.
inline constexpr unsigned kBaseLowShift = 16;  // Base 23:0.
inline constexpr unsigned kAccessShift = 40;   // The access byte: type, S, DPL, P.
inline constexpr unsigned kTypeShift = 40;     // Type 3:0.
inline constexpr unsigned kCodeOrDataShift = 44;
inline constexpr unsigned kDplShift = 45;  // DPL 1:0.
inline constexpr unsigned kPresentShift = 47;
inline constexpr unsigned kLimitHighShift = 48;  // Limit 19:16.
inline constexpr unsigned kAvlShift = 52;        // AVL, L, D/B, G: the flags nibble.
inline constexpr unsigned kLongShift = 53;
inline constexpr unsigned kDefaultBigShift = 54;
inline constexpr unsigned kGranularityShift = 55;
inline constexpr unsigned kBaseHighShift = 56;  // Base 31:24.
// In the 16-bit flags word, the flags nibble sits at bits 15:12.
inline constexpr unsigned kFlagsNibbleShift = 12;

// The low `width` bits of `value`.
[[nodiscard]] constexpr uint64_t low_bits(uint64_t value, unsigned width) {
    return value & ((uint64_t{1} << width) - 1);
}
}  // namespace descriptor

// An 8-byte segment descriptor from the flags word above, a base and a 20-bit limit.
[[nodiscard]] constexpr uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit) {
    using namespace descriptor;
    return (low_bits(limit, 16) << kLimitLowShift) | (low_bits(base, 24) << kBaseLowShift) |
           (low_bits(flags, 8) << kAccessShift) | (low_bits(limit >> 16, 4) << kLimitHighShift) |
           (low_bits(flags >> kFlagsNibbleShift, 4) << kAvlShift) |
           (low_bits(base >> 24, 8) << kBaseHighShift);
}
static_assert(gdt_entry(kCode64Flags, 0, kFlatLimit) == 0x00af'9b00'0000'ffff);

// The kvm_segment a CPU would load from descriptor `entry` through `selector`: the limit is
// scaled to bytes when G is set, and a non-present descriptor is marked unusable.
[[nodiscard]] kvm_segment segment_from_gdt_entry(uint64_t entry, uint16_t selector);

[[nodiscard]] std::array<uint64_t, kBootGdtEntries> boot_gdt(CpuMode mode);

// The kvm_segment for one slot of boot_gdt(mode).
[[nodiscard]] kvm_segment boot_segment(CpuMode mode, GdtSlot slot);

// Writes boot_gdt(mode) at kGdtAddress and a zeroed IDT at kIdtAddress.
[[nodiscard]] Result<> write_boot_gdt(const GuestMemory& memory, CpuMode mode);

}  // namespace zapotec::x86_64
