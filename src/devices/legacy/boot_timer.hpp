// The boot-timer port (Firecracker's convention): a guest writes the magic value 123 to port
// 0x3f0 when it has booted, and with --boot-timer the VMM logs the time since the process
// started. Other values and reads are ignored; only the first marker is reported.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>

#include "bus/bus_device.hpp"

namespace zapotec::legacy {

class BootTimer final : public BusDevice {
  public:
    static constexpr uint64_t kSize = 1;
    static constexpr uint8_t kMagicBootComplete = 123;
    using Clock = std::chrono::steady_clock;
    // Gets the time from `start` to the marker write, once.
    using Report = std::function<void(Clock::duration elapsed)>;

    BootTimer(Clock::time_point start, Report report) : start_(start), report_(std::move(report)) {}

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

  private:
    Clock::time_point start_;
    Report report_;
    std::atomic<bool> reported_{false};
};

}  // namespace zapotec::legacy
