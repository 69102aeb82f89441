// The ACPI sleep and reset registers: power-off and reset only for the right values.
#include "devices/legacy/acpi_power.hpp"

#include <gtest/gtest.h>

#include "arch/x86_64/layout.hpp"
#include "port_io.hpp"

namespace zapotec::legacy {
namespace {

using namespace acpi_power;
using testing::inb;
using testing::outb;

uint8_t sleep_value(uint8_t type, bool enable) {
    return static_cast<uint8_t>((type << kSleepTypeShift) | (enable ? kSleepEnable : 0));
}

class AcpiPowerTest : public ::testing::Test {
  protected:
    int power_offs = 0;
    int resets = 0;
    AcpiPowerDevice device{[this] { ++power_offs; }, [this] { ++resets; }};
};

TEST_F(AcpiPowerTest, OffsetsMatchTheLayoutPorts) {
    EXPECT_EQ(x86_64::kAcpiSleepControlPort + kSleepControlOffset, x86_64::kAcpiSleepControlPort);
    EXPECT_EQ(x86_64::kAcpiSleepControlPort + kSleepStatusOffset, x86_64::kAcpiSleepStatusPort);
    EXPECT_EQ(x86_64::kAcpiSleepControlPort + kResetOffset, x86_64::kAcpiResetPort);
    EXPECT_EQ(AcpiPowerDevice::kSize, 3u);
}

TEST_F(AcpiPowerTest, SleepEnableWithS5PowersOff) {
    outb(device, kSleepControlOffset, sleep_value(kSleepTypeS5, false));
    EXPECT_EQ(power_offs, 0);
    outb(device, kSleepControlOffset, sleep_value(kSleepTypeS5, true));
    EXPECT_EQ(power_offs, 1);
    EXPECT_EQ(resets, 0);
}

TEST_F(AcpiPowerTest, OtherSleepStatesWakeAtOnce) {
    for (uint8_t type : {0, 1, 3, 4, 6, 7}) {
        outb(device, kSleepControlOffset, sleep_value(type, true));
        EXPECT_EQ(inb(device, kSleepStatusOffset), kWakeStatus);
        outb(device, kSleepStatusOffset, kWakeStatus);  // Write 1 to clear.
        EXPECT_EQ(inb(device, kSleepStatusOffset), 0);
    }
    EXPECT_EQ(power_offs, 0);
}

TEST_F(AcpiPowerTest, OnlyTheResetValueResets) {
    for (int value = 0; value < 256; ++value) {
        if (value != x86_64::kAcpiResetValue)
            outb(device, kResetOffset, static_cast<uint8_t>(value));
    }
    EXPECT_EQ(resets, 0);
    outb(device, kResetOffset, x86_64::kAcpiResetValue);
    EXPECT_EQ(resets, 1);
    EXPECT_EQ(power_offs, 0);
    EXPECT_EQ(inb(device, kResetOffset), 0);
    EXPECT_EQ(inb(device, kSleepControlOffset), 0);
}

TEST_F(AcpiPowerTest, SaveAndRestoreRoundTrip) {
    outb(device, kSleepControlOffset, sleep_value(1, true));
    auto state = device.save();
    AcpiPowerDevice restored(nullptr, nullptr);
    ASSERT_TRUE(restored.restore(state).has_value());
    EXPECT_EQ(inb(restored, kSleepStatusOffset), kWakeStatus);
    outb(restored, kResetOffset, x86_64::kAcpiResetValue);  // No callback: nothing happens.
}

}  // namespace
}  // namespace zapotec::legacy
