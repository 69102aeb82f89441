#include "bus/bus.hpp"

#include <algorithm>
#include <mutex>

namespace zapotec {

Result<> Bus::insert(std::shared_ptr<BusDevice> device, uint64_t base, uint64_t size) {
    if (size == 0 || base + size < base) {
        return make_error("bus range {:#x}+{:#x} is empty or wraps", base, size);
    }
    std::unique_lock lock(mutex_);
    auto next = ranges_.lower_bound(base);
    if (next != ranges_.end() && next->first < base + size) {
        return make_error("bus range {:#x}+{:#x} overlaps the one at {:#x}", base, size,
                          next->first);
    }
    if (next != ranges_.begin()) {
        auto previous = std::prev(next);
        if (previous->first + previous->second.size > base) {
            return make_error("bus range {:#x}+{:#x} overlaps the one at {:#x}", base, size,
                              previous->first);
        }
    }
    ranges_.emplace(base, Range{size, std::move(device)});
    return {};
}

bool Bus::remove(uint64_t base) {
    std::unique_lock lock(mutex_);
    return ranges_.erase(base) > 0;
}

std::pair<std::shared_ptr<BusDevice>, uint64_t> Bus::find(uint64_t address) const {
    std::shared_lock lock(mutex_);
    auto it = ranges_.upper_bound(address);
    if (it == ranges_.begin())
        return {nullptr, 0};
    --it;
    uint64_t offset = address - it->first;
    if (offset >= it->second.size)
        return {nullptr, 0};
    return {it->second.device, offset};
}

bool Bus::read(uint64_t address, std::span<uint8_t> data) const {
    auto [device, offset] = find(address);
    if (!device)
        return false;
    device->read(offset, data);
    return true;
}

bool Bus::write(uint64_t address, std::span<const uint8_t> data) const {
    auto [device, offset] = find(address);
    if (!device)
        return false;
    device->write(offset, data);
    return true;
}

}  // namespace zapotec
