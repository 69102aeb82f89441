// Tests of LAPIC register access and the LINT0/LINT1 setup.
#include "arch/x86_64/lapic.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace zapotec::x86_64 {
namespace {

constexpr uint32_t kVector = 0x2f;

kvm_lapic_state reset_like_state() {
    kvm_lapic_state state{};
    // Fill every byte so that a write outside the two LVT registers would show.
    std::memset(state.regs, 0x5a, sizeof(state.regs));
    // As after reset: masked, fixed delivery; plus a vector and a trigger-mode bit to keep.
    write_lapic_register(state, LapicRegister::LvtLint0, kLvtMasked | kVector);
    write_lapic_register(state, LapicRegister::LvtLint1, kLvtMasked | (1u << 15));
    return state;
}

TEST(Lapic, RegistersAreLittleEndianWordsAtTheirOffsets) {
    kvm_lapic_state state{};
    write_lapic_register(state, LapicRegister::LvtLint1, 0x11223344);
    EXPECT_EQ(static_cast<uint8_t>(state.regs[0x360]), 0x44);
    EXPECT_EQ(static_cast<uint8_t>(state.regs[0x363]), 0x11);
    EXPECT_EQ(read_lapic_register(state, LapicRegister::LvtLint1), 0x11223344u);
    EXPECT_EQ(read_lapic_register(state, LapicRegister::LvtLint0), 0u);
}

TEST(Lapic, LintSetupSetsDeliveryModesOnly) {
    kvm_lapic_state state = reset_like_state();
    const kvm_lapic_state before = state;
    setup_lapic_lint(state);

    const uint32_t lint0 = read_lapic_register(state, LapicRegister::LvtLint0);
    const uint32_t lint1 = read_lapic_register(state, LapicRegister::LvtLint1);
    EXPECT_EQ(lint0 & kLvtDeliveryModeMask, 0x700u);  // ExtINT
    EXPECT_EQ(lint1 & kLvtDeliveryModeMask, 0x400u);  // NMI
    EXPECT_EQ(lint0, kLvtMasked | kVector | 0x700u);
    EXPECT_EQ(lint1, kLvtMasked | (1u << 15) | 0x400u);

    for (std::size_t i = 0; i < sizeof(state.regs); ++i) {
        if ((i >= 0x350 && i < 0x354) || (i >= 0x360 && i < 0x364))
            continue;
        ASSERT_EQ(state.regs[i], before.regs[i]) << "byte " << i;
    }
}

TEST(Lapic, LintSetupReplacesAPreviousDeliveryMode) {
    kvm_lapic_state state{};
    write_lapic_register(state, LapicRegister::LvtLint0,
                         with_delivery_mode(0, LvtDeliveryMode::Smi));
    write_lapic_register(state, LapicRegister::LvtLint1,
                         with_delivery_mode(0, LvtDeliveryMode::ExtInt));
    setup_lapic_lint(state);
    EXPECT_EQ(read_lapic_register(state, LapicRegister::LvtLint0), 0x700u);
    EXPECT_EQ(read_lapic_register(state, LapicRegister::LvtLint1), 0x400u);
    // Idempotent.
    const kvm_lapic_state once = state;
    setup_lapic_lint(state);
    EXPECT_EQ(std::memcmp(&once, &state, sizeof(state)), 0);
}

}  // namespace
}  // namespace zapotec::x86_64
