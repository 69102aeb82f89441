#include "devices/pci/pci_root.hpp"

#include <algorithm>
#include <cstring>

namespace zapotec::pci {

namespace {
constexpr uint32_t kConfigEnable = 1u << 31;
// Red Hat's generic host bridge IDs, which Linux knows as a plain host bridge.
constexpr PciIds kHostBridgeIds{.vendor = 0x1b36,
                                .device = 0x0008,
                                .class_code = 0x060000,
                                .revision = 0,
                                .subsystem_vendor = 0x1b36,
                                .subsystem_id = 0x0008};
}  // namespace

HostBridge::HostBridge() : PciDevice(kHostBridgeIds) {}

void HostBridge::read_bar(int, uint64_t, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0xff);
}

PciRoot::PciRoot() {
    slots_[0] = std::make_shared<HostBridge>();
}

Result<int> PciRoot::add_device(std::shared_ptr<PciDevice> device) {
    std::lock_guard lock(mutex_);
    for (int slot = 1; slot < kSlotsPerBus; ++slot) {
        if (!slots_[static_cast<size_t>(slot)]) {
            slots_[static_cast<size_t>(slot)] = std::move(device);
            return slot;
        }
    }
    return make_error("PCI bus 0 is full: at most {} devices", kSlotsPerBus - 1);
}

std::shared_ptr<PciDevice> PciRoot::addressed_device(uint16_t& register_offset) const {
    std::lock_guard lock(mutex_);
    if (!(config_address_ & kConfigEnable))
        return nullptr;
    uint32_t bus = (config_address_ >> 16) & 0xff;
    uint32_t slot = (config_address_ >> 11) & 0x1f;
    uint32_t function = (config_address_ >> 8) & 0x7;
    if (bus != 0 || function != 0)
        return nullptr;
    register_offset = static_cast<uint16_t>(config_address_ & 0xfc);
    return slots_[slot];
}

void PciRoot::read(uint64_t offset, std::span<uint8_t> data) {
    if (offset < 4) {
        // The address register, read back as written (any width, any byte within).
        uint32_t value;
        {
            std::lock_guard lock(mutex_);
            value = config_address_;
        }
        for (size_t i = 0; i < data.size(); ++i) {
            size_t byte = offset + i;
            data[i] = byte < 4 ? static_cast<uint8_t>(value >> (8 * byte)) : 0xff;
        }
        return;
    }
    uint16_t register_offset = 0;
    auto device = addressed_device(register_offset);
    size_t within = offset - 4;
    if (!device || within + data.size() > 4) {
        std::fill(data.begin(), data.end(), 0xff);
        return;
    }
    device->read_config(static_cast<uint16_t>(register_offset + within), data);
}

void PciRoot::write(uint64_t offset, std::span<const uint8_t> data) {
    if (offset < 4) {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size() && offset + i < 4; ++i) {
            uint32_t shift = static_cast<uint32_t>(8 * (offset + i));
            config_address_ = (config_address_ & ~(0xffu << shift)) | (uint32_t{data[i]} << shift);
        }
        return;
    }
    uint16_t register_offset = 0;
    auto device = addressed_device(register_offset);
    size_t within = offset - 4;
    if (!device || within + data.size() > 4)
        return;
    device->write_config(static_cast<uint16_t>(register_offset + within), data);
}

}  // namespace zapotec::pci
