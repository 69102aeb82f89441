// A type-0 PCI configuration space (256 bytes) with per-bit write masks, BARs that answer
// the sizing protocol, and a capability list builder.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace zapotec::pci {

inline constexpr uint16_t kConfigSpaceSize = 256;
inline constexpr int kBarCount = 6;

namespace reg {
inline constexpr uint16_t kVendorId = 0x00;
inline constexpr uint16_t kDeviceId = 0x02;
inline constexpr uint16_t kCommand = 0x04;
inline constexpr uint16_t kStatus = 0x06;
inline constexpr uint16_t kRevision = 0x08;
inline constexpr uint16_t kClassCode = 0x09;  // 3 bytes: prog-if, subclass, class.
inline constexpr uint16_t kHeaderType = 0x0e;
inline constexpr uint16_t kBar0 = 0x10;
inline constexpr uint16_t kSubsystemVendorId = 0x2c;
inline constexpr uint16_t kSubsystemId = 0x2e;
inline constexpr uint16_t kCapabilitiesPointer = 0x34;
inline constexpr uint16_t kInterruptLine = 0x3c;
inline constexpr uint16_t kInterruptPin = 0x3d;
inline constexpr uint16_t kFirstCapability = 0x40;
}  // namespace reg

inline constexpr uint16_t kCommandIoSpace = 1 << 0;
inline constexpr uint16_t kCommandMemorySpace = 1 << 1;
inline constexpr uint16_t kCommandBusMaster = 1 << 2;
inline constexpr uint16_t kCommandIntxDisable = 1 << 10;
inline constexpr uint16_t kStatusCapabilitiesList = 1 << 4;

enum class CapabilityId : uint8_t { Vendor = 0x09, MsiX = 0x11 };

struct PciIds {
    uint16_t vendor = 0;
    uint16_t device = 0;
    uint32_t class_code = 0;  // class << 16 | subclass << 8 | prog-if.
    uint8_t revision = 0;
    uint16_t subsystem_vendor = 0;
    uint16_t subsystem_id = 0;
};

class ConfigSpace {
  public:
    explicit ConfigSpace(const PciIds& ids);

    // Declares a 32-bit non-prefetchable memory BAR of `size` bytes (a power of two of at
    // least 16) placed at `address` (aligned to size). A 64-bit BAR takes two slots.
    void add_memory_bar(int index, uint64_t address, uint64_t size, bool is_64bit = false);
    // The programmed address of a BAR, or nullopt when it is not a BAR we declared.
    std::optional<uint64_t> bar_address(int index) const;
    uint64_t bar_size(int index) const { return bars_[static_cast<size_t>(index)].size; }
    // Which BAR slot (if any) the config offset [offset, offset+size) touches.
    static std::optional<int> bar_index_at(uint16_t offset);

    // Appends a capability whose body (everything after the id and next bytes) is `body`;
    // `writable` gives the write mask of the body bytes (empty: read-only). Returns the
    // capability's offset.
    uint16_t add_capability(CapabilityId id, std::span<const uint8_t> body,
                            std::span<const uint8_t> writable = {});

    uint16_t command() const { return read16(reg::kCommand); }

    // Guest accesses: at most 4 bytes, not crossing the 256-byte space (longer parts are
    // ignored on write and read as ones).
    void read(uint16_t offset, std::span<uint8_t> data) const;
    void write(uint16_t offset, std::span<const uint8_t> data);

    uint8_t read8(uint16_t offset) const { return bytes_[offset]; }
    uint16_t read16(uint16_t offset) const;
    uint32_t read32(uint16_t offset) const;
    // Device-side writes bypass the write masks.
    void set8(uint16_t offset, uint8_t value) { bytes_[offset] = value; }
    void set16(uint16_t offset, uint16_t value);
    void set32(uint16_t offset, uint32_t value);

    std::span<const uint8_t, kConfigSpaceSize> bytes() const { return bytes_; }

  private:
    struct Bar {
        uint64_t size = 0;
        bool is_64bit = false;
        bool upper_half = false;  // The high dword of a 64-bit BAR.
    };
    std::array<uint8_t, kConfigSpaceSize> bytes_{};
    std::array<uint8_t, kConfigSpaceSize> writable_{};
    std::array<Bar, kBarCount> bars_{};
    uint16_t next_capability_ = reg::kFirstCapability;
    uint16_t last_capability_ = 0;
};

}  // namespace zapotec::pci
