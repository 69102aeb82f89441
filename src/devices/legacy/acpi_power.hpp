// The HW-reduced ACPI sleep control, sleep status and reset registers: how the guest powers
// off (S5) or resets the machine through ACPI.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

#include "base/error.hpp"
#include "bus/bus_device.hpp"

namespace zapotec::legacy {

namespace acpi_power {

// Offsets from kAcpiSleepControlPort; the FADT names the three ports.
inline constexpr uint64_t kSleepControlOffset = 0;
inline constexpr uint64_t kSleepStatusOffset = 1;
inline constexpr uint64_t kResetOffset = 2;

// Sleep control register: SLP_TYP in bits 2-4, SLP_EN in bit 5.
inline constexpr uint8_t kSleepTypeShift = 2;
inline constexpr uint8_t kSleepTypeMask = 0x07;
inline constexpr uint8_t kSleepEnable = 0x20;
// The SLP_TYP the DSDT's \_S5 package gives for soft-off.
inline constexpr uint8_t kSleepTypeS5 = 5;
// Sleep status register: WAK_STS (write 1 to clear).
inline constexpr uint8_t kWakeStatus = 0x80;

}  // namespace acpi_power

// Power-off is SLP_EN with SLP_TYP == S5; reset is kAcpiResetValue written to the reset
// register. Other sleep states are not supported: the machine "wakes" at once, which the
// guest sees as WAK_STS set in the sleep status register.
class AcpiPowerDevice final : public BusDevice {
  public:
    static constexpr uint64_t kSize = 3;

    struct State {
        uint8_t sleep_status = 0;
    };

    // The callbacks run on the vCPU thread that wrote the register, without the device lock.
    AcpiPowerDevice(std::function<void()> on_power_off, std::function<void()> on_reset);

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    State save() const;
    [[nodiscard]] Result<> restore(const State& state);

  private:
    const std::function<void()> on_power_off_;
    const std::function<void()> on_reset_;
    mutable std::mutex mutex_;
    uint8_t sleep_status_ = 0;
};

}  // namespace zapotec::legacy
