// The CMOS RTC: time encoding, status registers and the memory size bytes.
#include "devices/legacy/cmos.hpp"

#include <algorithm>
#include <utility>

#include "arch/x86_64/layout.hpp"

namespace zapotec::legacy {

using namespace cmos;

namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t k64KiB = 64 * kKiB;
constexpr uint64_t kBaseMemoryKiB = 640;

// The registers that read the clock (the alarms between them are plain storage).
bool is_time_register(uint8_t index) {
    return index == kSeconds || index == kMinutes || index == kHours || index == kDayOfWeek ||
           index == kDayOfMonth || index == kMonth || index == kYear || index == kCentury;
}

void store16(std::array<uint8_t, Cmos::kRamSize>& ram, uint8_t low, uint8_t high, uint64_t value) {
    value = std::min<uint64_t>(value, 0xffff);
    ram[low] = static_cast<uint8_t>(value);
    ram[high] = static_cast<uint8_t>(value >> 8);
}

}  // namespace

Cmos::Cmos(uint64_t memory_below_4g, uint64_t memory_above_4g, WallClock clock)
    : clock_(clock ? std::move(clock) : WallClock([] { return std::time(nullptr); })) {
    ram_[kStatusA] = kDefaultStatusA;
    ram_[kStatusB] = kDefaultStatusB;
    ram_[kStatusD] = kValidRam;

    uint64_t below = std::min(memory_below_4g, x86_64::kMmioHoleStart);
    store16(ram_, kBaseMemoryLow, kBaseMemoryHigh, kBaseMemoryKiB);
    uint64_t extended = below > 1 * kMiB ? (below - 1 * kMiB) / kKiB : 0;
    store16(ram_, kExtendedMemoryLow, kExtendedMemoryHigh, extended);
    store16(ram_, kExtendedMemoryLow2, kExtendedMemoryHigh2, extended);
    uint64_t above_16m = below > 16 * kMiB ? (below - 16 * kMiB) / k64KiB : 0;
    store16(ram_, kMemoryAbove16MLow, kMemoryAbove16MHigh, above_16m);
    uint64_t above_4g = std::min<uint64_t>(memory_above_4g / k64KiB, 0xffffff);
    ram_[kMemoryAbove4GLow] = static_cast<uint8_t>(above_4g);
    ram_[kMemoryAbove4GMid] = static_cast<uint8_t>(above_4g >> 8);
    ram_[kMemoryAbove4GHigh] = static_cast<uint8_t>(above_4g >> 16);
}

void Cmos::read(uint64_t offset, std::span<uint8_t> data) {
    std::ranges::fill(data, 0xff);
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size() && offset < kSize && i < kSize - offset; ++i) {
        // The index port is write-only; reads float.
        if (offset + i == kDataOffset)
            data[i] = read_register(index_);
    }
}

void Cmos::write(uint64_t offset, std::span<const uint8_t> data) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size() && offset < kSize && i < kSize - offset; ++i) {
        if (offset + i == kIndexOffset) {
            index_ = data[i] & kIndexMask;
            nmi_disabled_ = (data[i] & kNmiDisable) != 0;
        } else {
            write_register(index_, data[i]);
        }
    }
}

bool Cmos::nmi_disabled() const {
    std::lock_guard lock(mutex_);
    return nmi_disabled_;
}

uint8_t Cmos::encode(int value) const {
    auto binary = static_cast<uint8_t>(value);
    if (ram_[kStatusB] & kBinaryMode)
        return binary;
    return static_cast<uint8_t>(((binary / 10) << 4) | (binary % 10));
}

uint8_t Cmos::encode_hours(int hours) const {
    if (ram_[kStatusB] & kHour24)
        return encode(hours);
    // 12-hour mode: 12 AM is midnight, 12 PM noon.
    int twelve = hours % 12 == 0 ? 12 : hours % 12;
    return static_cast<uint8_t>(encode(twelve) | (hours >= 12 ? kPm : 0));
}

uint8_t Cmos::read_register(uint8_t index) const {
    if (!is_time_register(index)) {
        if (index == kStatusA)
            return ram_[kStatusA] & static_cast<uint8_t>(~kUpdateInProgress);
        return ram_[index];
    }
    std::time_t now = clock_();
    std::tm utc{};
    if (::gmtime_r(&now, &utc) == nullptr)
        return 0;
    int year = utc.tm_year + 1900;
    switch (index) {
        case kSeconds:
            return encode(utc.tm_sec);
        case kMinutes:
            return encode(utc.tm_min);
        case kHours:
            return encode_hours(utc.tm_hour);
        case kDayOfWeek:
            return encode(utc.tm_wday + 1);
        case kDayOfMonth:
            return encode(utc.tm_mday);
        case kMonth:
            return encode(utc.tm_mon + 1);
        case kYear:
            return encode(year % 100);
        default:  // kCentury
            return encode(year / 100);
    }
}

void Cmos::write_register(uint8_t index, uint8_t value) {
    if (is_time_register(index) || index == kStatusC || index == kStatusD)
        return;  // The clock follows the host; C and D are read only.
    if (index == kStatusA)
        value &= static_cast<uint8_t>(~kUpdateInProgress);
    ram_[index] = value;
}

Cmos::State Cmos::save() const {
    std::lock_guard lock(mutex_);
    return State{ram_, index_, nmi_disabled_};
}

Result<> Cmos::restore(const State& state) {
    std::lock_guard lock(mutex_);
    ram_ = state.ram;
    index_ = state.index & kIndexMask;
    nmi_disabled_ = state.nmi_disabled;
    return {};
}

}  // namespace zapotec::legacy
