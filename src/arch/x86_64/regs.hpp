// The boot vCPU's registers for Linux's 64-bit boot protocol and for the PVH entry point.
#pragma once

#include <cstdint>

#include "arch/x86_64/kvm_uapi.hpp"

namespace zapotec::x86_64 {

// CR0 bits.
inline constexpr uint64_t kCr0ProtectionEnable = 1ull << 0;    // PE
inline constexpr uint64_t kCr0MonitorCoprocessor = 1ull << 1;  // MP
inline constexpr uint64_t kCr0ExtensionType = 1ull << 4;       // ET
inline constexpr uint64_t kCr0NumericError = 1ull << 5;        // NE
inline constexpr uint64_t kCr0WriteProtect = 1ull << 16;       // WP
inline constexpr uint64_t kCr0AlignmentMask = 1ull << 18;      // AM
inline constexpr uint64_t kCr0NotWriteThrough = 1ull << 29;    // NW
inline constexpr uint64_t kCr0CacheDisable = 1ull << 30;       // CD
inline constexpr uint64_t kCr0Paging = 1ull << 31;             // PG

// CR4 bits.
inline constexpr uint64_t kCr4Pae = 1ull << 5;
inline constexpr uint64_t kCr4OsFxsr = 1ull << 9;        // FXSAVE/FXRSTOR and SSE enabled.
inline constexpr uint64_t kCr4OsXmmExcept = 1ull << 10;  // SIMD exceptions raise #XM.

// EFER bits.
inline constexpr uint64_t kEferSyscall = 1ull << 0;  // SCE
inline constexpr uint64_t kEferLongModeEnable = 1ull << 8;
inline constexpr uint64_t kEferLongModeActive = 1ull << 10;

// RFLAGS bit 1 always reads as one; everything else, interrupts included, starts clear.
inline constexpr uint64_t kRflagsReserved = 1ull << 1;

// The values setup_long_mode_sregs() writes, as Linux itself runs in long mode.
inline constexpr uint64_t kLongModeCr0 = kCr0ProtectionEnable | kCr0MonitorCoprocessor |
                                         kCr0ExtensionType | kCr0NumericError | kCr0WriteProtect |
                                         kCr0AlignmentMask | kCr0Paging;
inline constexpr uint64_t kLongModeCr4 = kCr4Pae | kCr4OsFxsr | kCr4OsXmmExcept;
// SCE is left to the kernel, which sets it with its SYSCALL MSRs.
inline constexpr uint64_t kLongModeEfer = kEferLongModeEnable | kEferLongModeActive;
// PVH enters in 32-bit protected mode with paging off.
inline constexpr uint64_t kPvhCr0 = kCr0ProtectionEnable | kCr0ExtensionType;

// Linux 64-bit boot protocol: RIP at the 64-bit entry (load address + 0x200), RSI the zero
// page (boot_params), a stack below the page tables, interrupts off.
[[nodiscard]] kvm_regs linux64_boot_regs(uint64_t entry, uint64_t zero_page);

// PVH: EIP at the ELF note's entry point, EBX the hvm_start_info, interrupts off.
[[nodiscard]] kvm_regs pvh_boot_regs(uint64_t entry, uint64_t start_info);

// Long mode with the boot GDT, the empty IDT and the identity page tables (see gdt.hpp and
// page_tables.hpp): CS the 64-bit code segment at 0x10, DS/ES/FS/GS/SS the data segment at
// 0x18, TR the TSS. Everything else (APIC base, LDT, CR8, interrupt bitmap) is kept, so pass
// what KVM_GET_SREGS returned.
void setup_long_mode_sregs(kvm_sregs& sregs);

// 32-bit flat protected mode with the PVH flavour of the boot GDT, paging off, CR4 and EFER
// cleared, as the PVH boot ABI specifies.
void setup_pvh_sregs(kvm_sregs& sregs);

}  // namespace zapotec::x86_64
