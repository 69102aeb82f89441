// A device reachable through port I/O or MMIO. Accesses come from vCPU threads, so a
// device guards its own state.
#pragma once

#include <cstdint>
#include <span>

namespace zapotec {

class BusDevice {
  public:
    virtual ~BusDevice() = default;
    // `offset` is relative to the start of the range the device was inserted at.
    // Reads fill `data` completely (unknown registers read as all ones or zero).
    virtual void read(uint64_t offset, std::span<uint8_t> data) = 0;
    virtual void write(uint64_t offset, std::span<const uint8_t> data) = 0;
};

}  // namespace zapotec
