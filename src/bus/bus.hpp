// A bus maps non-overlapping address ranges (ports or MMIO) to devices.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>

#include "base/error.hpp"
#include "bus/bus_device.hpp"

namespace zapotec {

class Bus {
  public:
    [[nodiscard]] Result<> insert(std::shared_ptr<BusDevice> device, uint64_t base, uint64_t size);
    // Removes the range that starts exactly at `base`; false when there is none.
    bool remove(uint64_t base);

    // Dispatches an access; false when no device claims the address (the caller then
    // treats the access as unclaimed: reads return all ones).
    bool read(uint64_t address, std::span<uint8_t> data) const;
    bool write(uint64_t address, std::span<const uint8_t> data) const;

  private:
    struct Range {
        uint64_t size;
        std::shared_ptr<BusDevice> device;
    };
    // Finds the range containing `address`; the device and the offset into it.
    std::pair<std::shared_ptr<BusDevice>, uint64_t> find(uint64_t address) const;

    mutable std::shared_mutex mutex_;
    std::map<uint64_t, Range> ranges_;  // Keyed by base address.
};

}  // namespace zapotec
