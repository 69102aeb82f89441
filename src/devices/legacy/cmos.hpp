// The CMOS RTC and NVRAM at ports 0x70/0x71: wall-clock time for the guest and the memory
// size bytes firmware-era code reads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <mutex>
#include <span>

#include "base/error.hpp"
#include "bus/bus_device.hpp"

namespace zapotec::legacy {

namespace cmos {

inline constexpr uint64_t kIndexOffset = 0;  // 0x70: register index, bit 7 masks NMI.
inline constexpr uint64_t kDataOffset = 1;   // 0x71: the selected register.
inline constexpr uint8_t kNmiDisable = 0x80;
inline constexpr uint8_t kIndexMask = 0x7f;

// Register indexes.
inline constexpr uint8_t kSeconds = 0x00;
inline constexpr uint8_t kMinutes = 0x02;
inline constexpr uint8_t kHours = 0x04;
inline constexpr uint8_t kDayOfWeek = 0x06;  // 1 = Sunday.
inline constexpr uint8_t kDayOfMonth = 0x07;
inline constexpr uint8_t kMonth = 0x08;
inline constexpr uint8_t kYear = 0x09;  // Two digits; the century is in kCentury.
inline constexpr uint8_t kStatusA = 0x0a;
inline constexpr uint8_t kStatusB = 0x0b;
inline constexpr uint8_t kStatusC = 0x0c;
inline constexpr uint8_t kStatusD = 0x0d;
inline constexpr uint8_t kBaseMemoryLow = 0x15;  // Conventional memory in KiB (640).
inline constexpr uint8_t kBaseMemoryHigh = 0x16;
inline constexpr uint8_t kExtendedMemoryLow = 0x17;  // 1 MiB..64 MiB in KiB; also 0x30/0x31.
inline constexpr uint8_t kExtendedMemoryHigh = 0x18;
inline constexpr uint8_t kExtendedMemoryLow2 = 0x30;
inline constexpr uint8_t kExtendedMemoryHigh2 = 0x31;
inline constexpr uint8_t kCentury = 0x32;
inline constexpr uint8_t kMemoryAbove16MLow = 0x34;  // 16 MiB..3 GiB in 64 KiB units.
inline constexpr uint8_t kMemoryAbove16MHigh = 0x35;
inline constexpr uint8_t kMemoryAbove4GLow = 0x5b;  // Above 4 GiB in 64 KiB units, 3 bytes.
inline constexpr uint8_t kMemoryAbove4GMid = 0x5c;
inline constexpr uint8_t kMemoryAbove4GHigh = 0x5d;

// Status register A: UIP (bit 7) always reads 0, an update is never in progress.
inline constexpr uint8_t kUpdateInProgress = 0x80;
inline constexpr uint8_t kDefaultStatusA = 0x26;  // 32.768 kHz time base, 1024 Hz rate.
// Status register B.
inline constexpr uint8_t kHour24 = 0x02;
inline constexpr uint8_t kBinaryMode = 0x04;  // Clear: the time registers hold BCD.
inline constexpr uint8_t kDefaultStatusB = kHour24;
// Status register D: the battery is good and the time valid.
inline constexpr uint8_t kValidRam = 0x80;
// In 12-hour mode the hours register carries PM in bit 7.
inline constexpr uint8_t kPm = 0x80;

}  // namespace cmos

// The time registers show the host's current UTC time, in BCD or binary and 12- or 24-hour
// form as the guest sets register B. Guest writes to them are ignored (the guest cannot set
// the host's clock), and no RTC interrupts are generated. Alarms and every other byte are
// plain storage.
class Cmos final : public BusDevice {
  public:
    static constexpr uint64_t kSize = 2;
    static constexpr size_t kRamSize = 128;
    using WallClock = std::function<std::time_t()>;

    struct State {
        std::array<uint8_t, kRamSize> ram{};
        uint8_t index = 0;
        bool nmi_disabled = false;
    };

    // `memory_below_4g` and `memory_above_4g` are the guest RAM on each side of the MMIO hole.
    // `clock` returns the UTC time in seconds (the host's clock when empty; tests pass one).
    Cmos(uint64_t memory_below_4g, uint64_t memory_above_4g, WallClock clock = {});

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Whether the guest has masked NMIs through bit 7 of the index port.
    bool nmi_disabled() const;

    State save() const;
    // Never fails (every byte pattern is a valid state); Result for symmetry with the others.
    [[nodiscard]] Result<> restore(const State& state);

  private:
    uint8_t read_register(uint8_t index) const;
    void write_register(uint8_t index, uint8_t value);
    // Encodes a time field for the guest, honouring register B's binary bit.
    uint8_t encode(int value) const;
    uint8_t encode_hours(int hours) const;

    const WallClock clock_;
    mutable std::mutex mutex_;
    std::array<uint8_t, kRamSize> ram_{};
    uint8_t index_ = 0;
    bool nmi_disabled_ = false;
};

}  // namespace zapotec::legacy
