// The boot-timer port: one magic write, one report.
#include "devices/legacy/boot_timer.hpp"

#include <algorithm>

namespace zapotec::legacy {

void BootTimer::read(uint64_t, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
}

void BootTimer::write(uint64_t offset, std::span<const uint8_t> data) {
    if (offset != 0 || data.size() != 1 || data[0] != kMagicBootComplete)
        return;
    if (reported_.exchange(true))
        return;
    if (report_)
        report_(Clock::now() - start_);
}

}  // namespace zapotec::legacy
