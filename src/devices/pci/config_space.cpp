#include "devices/pci/config_space.hpp"

#include <cassert>

namespace zapotec::pci {

ConfigSpace::ConfigSpace(const PciIds& ids) {
    set16(reg::kVendorId, ids.vendor);
    set16(reg::kDeviceId, ids.device);
    set8(reg::kRevision, ids.revision);
    set8(reg::kClassCode, static_cast<uint8_t>(ids.class_code));
    set8(reg::kClassCode + 1, static_cast<uint8_t>(ids.class_code >> 8));
    set8(reg::kClassCode + 2, static_cast<uint8_t>(ids.class_code >> 16));
    set16(reg::kSubsystemVendorId, ids.subsystem_vendor);
    set16(reg::kSubsystemId, ids.subsystem_id);
    // Command: I/O, memory, bus master, INTx disable are the guest's to set.
    constexpr uint16_t kCommandWritable =
        kCommandIoSpace | kCommandMemorySpace | kCommandBusMaster | kCommandIntxDisable;
    writable_[reg::kCommand] = static_cast<uint8_t>(kCommandWritable);
    writable_[reg::kCommand + 1] = static_cast<uint8_t>(kCommandWritable >> 8);
    writable_[0x0c] = 0xff;  // Cache line size.
    writable_[0x0d] = 0xff;  // Latency timer.
    writable_[reg::kInterruptLine] = 0xff;
}

uint16_t ConfigSpace::read16(uint16_t offset) const {
    return static_cast<uint16_t>(bytes_[offset] | bytes_[offset + 1u] << 8);
}

uint32_t ConfigSpace::read32(uint16_t offset) const {
    return static_cast<uint32_t>(read16(offset)) |
           static_cast<uint32_t>(read16(static_cast<uint16_t>(offset + 2))) << 16;
}

void ConfigSpace::set16(uint16_t offset, uint16_t value) {
    bytes_[offset] = static_cast<uint8_t>(value);
    bytes_[offset + 1u] = static_cast<uint8_t>(value >> 8);
}

void ConfigSpace::set32(uint16_t offset, uint32_t value) {
    set16(offset, static_cast<uint16_t>(value));
    set16(static_cast<uint16_t>(offset + 2), static_cast<uint16_t>(value >> 16));
}

void ConfigSpace::add_memory_bar(int index, uint64_t address, uint64_t size, bool is_64bit) {
    assert(index >= 0 && index + (is_64bit ? 1 : 0) < kBarCount);
    assert(size >= 16 && (size & (size - 1)) == 0 && address % size == 0);
    auto slot = static_cast<size_t>(index);
    bars_[slot] = Bar{size, is_64bit, false};
    uint16_t offset = static_cast<uint16_t>(reg::kBar0 + 4 * index);
    // Type bits: memory space (bit 0 clear), 64-bit (bits 2:1 = 10b).
    uint32_t type_bits = is_64bit ? 0x4 : 0x0;
    set32(offset, static_cast<uint32_t>(address) | type_bits);
    // Only the address bits above the size are writable, which makes the sizing protocol
    // (write all ones, read back) answer ~(size - 1) by itself.
    uint32_t mask = static_cast<uint32_t>(~(size - 1)) & ~0xfu;
    for (int i = 0; i < 4; ++i)
        writable_[offset + static_cast<size_t>(i)] = static_cast<uint8_t>(mask >> (8 * i));
    if (is_64bit) {
        bars_[slot + 1] = Bar{size, true, true};
        uint16_t upper = static_cast<uint16_t>(offset + 4);
        set32(upper, static_cast<uint32_t>(address >> 32));
        uint32_t upper_mask = static_cast<uint32_t>(~(size - 1) >> 32);
        for (int i = 0; i < 4; ++i)
            writable_[upper + static_cast<size_t>(i)] = static_cast<uint8_t>(upper_mask >> (8 * i));
    }
}

std::optional<uint64_t> ConfigSpace::bar_address(int index) const {
    const Bar& bar = bars_[static_cast<size_t>(index)];
    if (bar.size == 0 || bar.upper_half)
        return std::nullopt;
    uint16_t offset = static_cast<uint16_t>(reg::kBar0 + 4 * index);
    uint64_t address = read32(offset) & ~0xfull;
    if (bar.is_64bit)
        address |= static_cast<uint64_t>(read32(static_cast<uint16_t>(offset + 4))) << 32;
    return address;
}

std::optional<int> ConfigSpace::bar_index_at(uint16_t offset) {
    if (offset < reg::kBar0 || offset >= reg::kBar0 + 4 * kBarCount)
        return std::nullopt;
    return (offset - reg::kBar0) / 4;
}

uint16_t ConfigSpace::add_capability(CapabilityId id, std::span<const uint8_t> body,
                                     std::span<const uint8_t> writable) {
    uint16_t offset = next_capability_;
    assert(offset + 2 + body.size() <= kConfigSpaceSize);
    bytes_[offset] = static_cast<uint8_t>(id);
    bytes_[offset + 1u] = 0;
    for (size_t i = 0; i < body.size(); ++i)
        bytes_[offset + 2 + i] = body[i];
    for (size_t i = 0; i < writable.size() && i < body.size(); ++i) {
        writable_[offset + 2 + i] = writable[i];
    }
    if (last_capability_ == 0) {
        bytes_[reg::kCapabilitiesPointer] = static_cast<uint8_t>(offset);
        set16(reg::kStatus, read16(reg::kStatus) | kStatusCapabilitiesList);
    } else {
        bytes_[last_capability_ + 1u] = static_cast<uint8_t>(offset);
    }
    last_capability_ = offset;
    // Capabilities are dword-aligned.
    next_capability_ = static_cast<uint16_t>((offset + 2 + body.size() + 3) & ~size_t{3});
    return offset;
}

void ConfigSpace::read(uint16_t offset, std::span<uint8_t> data) const {
    for (size_t i = 0; i < data.size(); ++i) {
        size_t at = size_t{offset} + i;
        data[i] = at < kConfigSpaceSize ? bytes_[at] : 0xff;
    }
}

void ConfigSpace::write(uint16_t offset, std::span<const uint8_t> data) {
    for (size_t i = 0; i < data.size(); ++i) {
        size_t at = size_t{offset} + i;
        if (at >= kConfigSpaceSize)
            break;
        bytes_[at] =
            static_cast<uint8_t>((bytes_[at] & ~writable_[at]) | (data[i] & writable_[at]));
    }
}

}  // namespace zapotec::pci
