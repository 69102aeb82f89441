#include "devices/pci/pvpanic.hpp"

#include <algorithm>

namespace zapotec::pci {

PvPanicDevice::PvPanicDevice(uint64_t bar0_address, std::function<void(uint8_t)> on_event)
    : PciDevice(PciIds{.vendor = 0x1b36,
                       .device = 0x0011,
                       .class_code = 0x088000,  // System peripheral, other.
                       .revision = 1,
                       .subsystem_vendor = 0x1b36,
                       .subsystem_id = 0x0011}),
      on_event_(std::move(on_event)) {
    config().add_memory_bar(0, bar0_address, kBarSize);
}

void PvPanicDevice::read_bar(int, uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
    // The first byte tells the driver which events the host understands.
    if (offset == 0 && !data.empty())
        data[0] = kPvPanicPanicked | kPvPanicCrashLoaded;
}

void PvPanicDevice::write_bar(int, uint64_t offset, std::span<const uint8_t> data) {
    if (offset != 0 || data.empty())
        return;
    uint8_t events = data[0] & (kPvPanicPanicked | kPvPanicCrashLoaded);
    if (events && on_event_)
        on_event_(events);
}

}  // namespace zapotec::pci
