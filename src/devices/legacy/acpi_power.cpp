// The ACPI sleep and reset registers and the power-off / reset decisions they lead to.
#include "devices/legacy/acpi_power.hpp"

#include <algorithm>
#include <utility>

#include "arch/x86_64/layout.hpp"

namespace zapotec::legacy {

using namespace acpi_power;

AcpiPowerDevice::AcpiPowerDevice(std::function<void()> on_power_off, std::function<void()> on_reset)
    : on_power_off_(std::move(on_power_off)), on_reset_(std::move(on_reset)) {}

void AcpiPowerDevice::read(uint64_t offset, std::span<uint8_t> data) {
    std::ranges::fill(data, 0);
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size() && offset < kSize && i < kSize - offset; ++i) {
        // The control and reset registers are write only and read as zero.
        if (offset + i == kSleepStatusOffset)
            data[i] = sleep_status_;
    }
}

void AcpiPowerDevice::write(uint64_t offset, std::span<const uint8_t> data) {
    bool power_off = false;
    bool reset = false;
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size() && offset < kSize && i < kSize - offset; ++i) {
            uint8_t value = data[i];
            switch (offset + i) {
                case kSleepControlOffset: {
                    if (!(value & kSleepEnable))
                        break;
                    uint8_t type = (value >> kSleepTypeShift) & kSleepTypeMask;
                    if (type == kSleepTypeS5)
                        power_off = true;
                    else
                        sleep_status_ |= kWakeStatus;
                    break;
                }
                case kSleepStatusOffset:
                    sleep_status_ &= static_cast<uint8_t>(~(value & kWakeStatus));
                    break;
                case kResetOffset:
                    if (value == x86_64::kAcpiResetValue)
                        reset = true;
                    break;
                default:
                    break;
            }
        }
    }
    if (power_off && on_power_off_)
        on_power_off_();
    if (reset && on_reset_)
        on_reset_();
}

AcpiPowerDevice::State AcpiPowerDevice::save() const {
    std::lock_guard lock(mutex_);
    return State{sleep_status_};
}

Result<> AcpiPowerDevice::restore(const State& state) {
    std::lock_guard lock(mutex_);
    sleep_status_ = state.sleep_status & kWakeStatus;
    return {};
}

}  // namespace zapotec::legacy
