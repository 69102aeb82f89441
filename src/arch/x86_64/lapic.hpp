// Local APIC register access in kvm_lapic_state and the LINT0/LINT1 setup of the boot vCPU.
#pragma once

#include <cstdint>

#include "arch/x86_64/kvm_uapi.hpp"

namespace zapotec::x86_64 {

// Byte offsets of the 32-bit registers in the APIC page (and in kvm_lapic_state::regs).
enum class LapicRegister : uint32_t {
    Id = 0x20,
    Version = 0x30,
    SpuriousVector = 0xf0,
    LvtTimer = 0x320,
    LvtLint0 = 0x350,
    LvtLint1 = 0x360,
    LvtError = 0x370,
};

// Bits 10:8 of an LVT entry select how the interrupt is delivered.
enum class LvtDeliveryMode : uint32_t {
    Fixed = 0b000,
    Smi = 0b010,
    Nmi = 0b100,
    Init = 0b101,
    ExtInt = 0b111,
};
inline constexpr uint32_t kLvtDeliveryModeShift = 8;
inline constexpr uint32_t kLvtDeliveryModeMask = 0b111u << kLvtDeliveryModeShift;
// Bit 16 of an LVT entry masks the interrupt.
inline constexpr uint32_t kLvtMasked = 1u << 16;

[[nodiscard]] uint32_t read_lapic_register(const kvm_lapic_state& state, LapicRegister reg);
void write_lapic_register(kvm_lapic_state& state, LapicRegister reg, uint32_t value);

// The delivery mode field of an LVT entry replaced, every other bit kept.
[[nodiscard]] constexpr uint32_t with_delivery_mode(uint32_t lvt, LvtDeliveryMode mode) {
    return (lvt & ~kLvtDeliveryModeMask) | (static_cast<uint32_t>(mode) << kLvtDeliveryModeShift);
}

// Wires LINT0 to the legacy PIC (ExtINT) and LINT1 to NMI, as the virtual-wire mode a PC
// firmware leaves behind; the mask bits and vectors stay as KVM reported them.
void setup_lapic_lint(kvm_lapic_state& state);

}  // namespace zapotec::x86_64
