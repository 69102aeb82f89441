// Byte-wide port accesses for the legacy device tests, the way a guest's inb/outb reach them.
#pragma once

#include <array>
#include <cstdint>

#include "bus/bus_device.hpp"

namespace zapotec::legacy::testing {

inline uint8_t inb(BusDevice& device, uint64_t offset) {
    std::array<uint8_t, 1> data{};
    device.read(offset, data);
    return data[0];
}

inline void outb(BusDevice& device, uint64_t offset, uint8_t value) {
    std::array<uint8_t, 1> data{value};
    device.write(offset, data);
}

}  // namespace zapotec::legacy::testing
