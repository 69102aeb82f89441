// Configuration accesses the way a guest makes them: the type-1 mechanism through the PCI
// root's ports 0xcf8 (address) and 0xcfc-0xcff (data), and the capability-list walk Linux's
// pci_find_capability() does.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "devices/pci/pci_root.hpp"

namespace zapotec::pci::testing {

// Offsets of the two registers within the root's 8-port range at 0xcf8.
inline constexpr uint64_t kAddressPort = 0;
inline constexpr uint64_t kDataPort = 4;

inline uint32_t config_address(int bus, int slot, int function, uint16_t reg) {
    return 1u << 31 | static_cast<uint32_t>(bus) << 16 | static_cast<uint32_t>(slot) << 11 |
           static_cast<uint32_t>(function) << 8 | (reg & 0xfcu);
}

class Type1Config {
  public:
    explicit Type1Config(PciRoot& root) : root_(root) {}

    void write_port(uint64_t port, size_t width, uint32_t value) {
        std::array<uint8_t, 4> bytes{};
        for (size_t i = 0; i < width; ++i)
            bytes[i] = static_cast<uint8_t>(value >> (8 * i));
        root_.write(port, std::span<const uint8_t>(bytes.data(), width));
    }
    uint32_t read_port(uint64_t port, size_t width) {
        std::array<uint8_t, 4> bytes{};
        root_.read(port, std::span<uint8_t>(bytes.data(), width));
        uint32_t value = 0;
        for (size_t i = 0; i < width; ++i)
            value |= uint32_t{bytes[i]} << (8 * i);
        return value;
    }

    // A `width`-byte access to register `reg` of 00:slot.function, as Linux's
    // pci_conf1_read() makes it: the dword's address to 0xcf8, then 0xcfc + (reg & 3).
    uint32_t read(int slot, uint16_t reg, size_t width, int function = 0, int bus = 0) {
        write_port(kAddressPort, 4, config_address(bus, slot, function, reg));
        return read_port(kDataPort + (reg & 3u), width);
    }
    void write(int slot, uint16_t reg, size_t width, uint32_t value, int function = 0,
               int bus = 0) {
        write_port(kAddressPort, 4, config_address(bus, slot, function, reg));
        write_port(kDataPort + (reg & 3u), width, value);
    }
    uint8_t read8(int slot, uint16_t reg) { return static_cast<uint8_t>(read(slot, reg, 1)); }
    uint16_t read16(int slot, uint16_t reg) { return static_cast<uint16_t>(read(slot, reg, 2)); }
    uint32_t read32(int slot, uint16_t reg) { return read(slot, reg, 4); }
    void write8(int slot, uint16_t reg, uint8_t value) { write(slot, reg, 1, value); }
    void write16(int slot, uint16_t reg, uint16_t value) { write(slot, reg, 2, value); }
    void write32(int slot, uint16_t reg, uint32_t value) { write(slot, reg, 4, value); }

    // The offsets of every capability with `id`, walking the list from the capabilities
    // pointer as pci_find_capability() does (bounded, so a loop cannot hang the test).
    std::vector<uint16_t> find_capabilities(int slot, uint8_t id) {
        std::vector<uint16_t> found;
        if (!(read16(slot, reg::kStatus) & kStatusCapabilitiesList))
            return found;
        uint8_t position = read8(slot, reg::kCapabilitiesPointer);
        for (int ttl = 48; ttl > 0 && position >= 0x40; --ttl) {
            position &= ~3;
            uint16_t header = read16(slot, position);
            if ((header & 0xff) == 0xff)
                break;
            if ((header & 0xff) == id)
                found.push_back(position);
            position = static_cast<uint8_t>(header >> 8);
        }
        return found;
    }

  private:
    PciRoot& root_;
};

}  // namespace zapotec::pci::testing
