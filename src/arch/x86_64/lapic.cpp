// Local APIC register access in kvm_lapic_state and the LINT0/LINT1 setup of the boot vCPU.
#include "arch/x86_64/lapic.hpp"

#include <cstring>

namespace zapotec::x86_64 {

namespace {

// Every LapicRegister is a 4-byte-aligned offset inside the 1 KiB register array.
constexpr std::size_t register_offset(LapicRegister reg) {
    return static_cast<std::size_t>(reg);
}
static_assert(register_offset(LapicRegister::LvtError) + sizeof(uint32_t) <= KVM_APIC_REG_SIZE);

}  // namespace

uint32_t read_lapic_register(const kvm_lapic_state& state, LapicRegister reg) {
    uint32_t value = 0;
    std::memcpy(&value, state.regs + register_offset(reg), sizeof(value));
    return value;
}

void write_lapic_register(kvm_lapic_state& state, LapicRegister reg, uint32_t value) {
    std::memcpy(state.regs + register_offset(reg), &value, sizeof(value));
}

void setup_lapic_lint(kvm_lapic_state& state) {
    const uint32_t lint0 = read_lapic_register(state, LapicRegister::LvtLint0);
    write_lapic_register(state, LapicRegister::LvtLint0,
                         with_delivery_mode(lint0, LvtDeliveryMode::ExtInt));
    const uint32_t lint1 = read_lapic_register(state, LapicRegister::LvtLint1);
    write_lapic_register(state, LapicRegister::LvtLint1,
                         with_delivery_mode(lint1, LvtDeliveryMode::Nmi));
}

}  // namespace zapotec::x86_64
