// Model-specific registers: their indices, the values every vCPU boots with, and the
// kvm_msrs buffer that KVM_SET_MSRS and KVM_GET_MSRS take.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "arch/x86_64/fam_buffer.hpp"
#include "arch/x86_64/kvm_uapi.hpp"
#include "base/error.hpp"

namespace zapotec::x86_64 {

enum class Msr : uint32_t {
    Tsc = 0x10,
    SysenterCs = 0x174,
    SysenterEsp = 0x175,
    SysenterEip = 0x176,
    MiscEnable = 0x1a0,
    MtrrDefType = 0x2ff,
    Efer = 0xc000'0080,
    Star = 0xc000'0081,         // SYSCALL/SYSRET segment selectors.
    Lstar = 0xc000'0082,        // 64-bit SYSCALL entry point.
    Cstar = 0xc000'0083,        // Compatibility-mode SYSCALL entry point.
    SyscallMask = 0xc000'0084,  // RFLAGS bits cleared on SYSCALL (FMASK).
    KernelGsBase = 0xc000'0102,
};

// IA32_MISC_ENABLE bit 0: fast-string operations (REP MOVS/STOS) are enabled.
inline constexpr uint64_t kMiscEnableFastStrings = 1ull << 0;

// IA32_MTRR_DEF_TYPE: bits 7:0 the default memory type, bit 11 enables the MTRRs.
inline constexpr uint64_t kMtrrTypeWriteBack = 6;
inline constexpr uint64_t kMtrrDefTypeEnable = 1ull << 11;
inline constexpr uint64_t kMtrrDefTypeBoot = kMtrrDefTypeEnable | kMtrrTypeWriteBack;
static_assert(kMtrrDefTypeBoot == 0x806);

// KVM rejects KVM_GET_MSRS and KVM_SET_MSRS with 256 or more entries (MAX_IO_MSRS).
inline constexpr std::size_t kMaxMsrEntries = 255;

// kvm_msrs with its entries: KvmMsrs::from_entries(boot_msrs()) for KVM_SET_MSRS.
using KvmMsrs = FamBuffer<kvm_msrs, kvm_msr_entry, &kvm_msrs::nmsrs, kMaxMsrEntries>;

[[nodiscard]] constexpr kvm_msr_entry msr_entry(Msr msr, uint64_t data) {
    return kvm_msr_entry{.index = static_cast<uint32_t>(msr), .reserved = 0, .data = data};
}

// The MSRs a vCPU starts with before the Linux (or PVH) entry point: the SYSENTER and
// SYSCALL state cleared, the TSC at zero, fast strings on, and the MTRRs enabled with
// write-back as the default type (without it a guest sees all memory as uncached).
[[nodiscard]] std::vector<kvm_msr_entry> boot_msrs();

// A buffer for KVM_GET_MSRS that asks for these MSRs; KVM fills in the data.
[[nodiscard]] Result<KvmMsrs> msrs_for_reading(std::span<const Msr> msrs);

// The data of `msr` in `entries`, or an error when it is not there.
[[nodiscard]] Result<uint64_t> find_msr(std::span<const kvm_msr_entry> entries, Msr msr);

}  // namespace zapotec::x86_64
