// Tests of the type-0 configuration space: read-only identity, write masks, the BAR sizing
// protocol and the capability list, seen through the guest's access path.
#include "devices/pci/config_space.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace zapotec::pci {
namespace {

constexpr PciIds kIds{.vendor = 0x1af4,
                      .device = 0x1044,
                      .class_code = 0xff0102,
                      .revision = 3,
                      .subsystem_vendor = 0x1af4,
                      .subsystem_id = 0x40};

uint32_t guest_read(const ConfigSpace& config, uint16_t offset, size_t width) {
    std::array<uint8_t, 4> bytes{};
    config.read(offset, std::span<uint8_t>(bytes.data(), width));
    uint32_t value = 0;
    for (size_t i = 0; i < width; ++i)
        value |= uint32_t{bytes[i]} << (8 * i);
    return value;
}

void guest_write(ConfigSpace& config, uint16_t offset, size_t width, uint32_t value) {
    std::array<uint8_t, 4> bytes{};
    for (size_t i = 0; i < width; ++i)
        bytes[i] = static_cast<uint8_t>(value >> (8 * i));
    config.write(offset, std::span<const uint8_t>(bytes.data(), width));
}

TEST(ConfigSpace, PresentsTheIdentityOfATypeZeroFunction) {
    ConfigSpace config(kIds);
    EXPECT_EQ(guest_read(config, reg::kVendorId, 4), 0x10441af4u);
    // Dword 0x08: class code in the top three bytes, revision at the bottom.
    EXPECT_EQ(guest_read(config, reg::kRevision, 4), 0xff010203u);
    EXPECT_EQ(guest_read(config, reg::kSubsystemVendorId, 4), 0x00401af4u);
    EXPECT_EQ(guest_read(config, reg::kHeaderType, 1), 0u);
    EXPECT_EQ(guest_read(config, reg::kCommand, 2), 0u);
    EXPECT_EQ(guest_read(config, reg::kInterruptPin, 1), 0u);
    // No capabilities yet: the status bit and the pointer say so.
    EXPECT_EQ(guest_read(config, reg::kStatus, 2) & kStatusCapabilitiesList, 0u);
    EXPECT_EQ(guest_read(config, reg::kCapabilitiesPointer, 1), 0u);
}

TEST(ConfigSpace, IdentityRegistersIgnoreGuestWrites) {
    ConfigSpace config(kIds);
    for (uint16_t offset = 0; offset < 0x40; offset += 4) {
        if (offset == reg::kCommand || offset == 0x0c || offset == reg::kInterruptLine)
            continue;
        uint32_t before = guest_read(config, offset, 4);
        guest_write(config, offset, 4, 0xa5a5a5a5);
        EXPECT_EQ(guest_read(config, offset, 4), before) << "offset " << offset;
    }
}

TEST(ConfigSpace, CommandRegisterKeepsOnlyTheBitsTheGuestOwns) {
    ConfigSpace config(kIds);
    guest_write(config, reg::kCommand, 2, 0xffff);
    EXPECT_EQ(config.command(),
              kCommandIoSpace | kCommandMemorySpace | kCommandBusMaster | kCommandIntxDisable);
    guest_write(config, reg::kCommand, 2, 0);
    EXPECT_EQ(config.command(), 0);
    // Byte writes reach the high byte on their own (INTx disable lives there).
    guest_write(config, reg::kCommand + 1, 1, 0x04);
    EXPECT_EQ(config.command(), kCommandIntxDisable);
}

TEST(ConfigSpace, InterruptLineCacheLineAndLatencyAreScratchRegisters) {
    ConfigSpace config(kIds);
    guest_write(config, reg::kInterruptLine, 1, 0x0b);
    EXPECT_EQ(guest_read(config, reg::kInterruptLine, 1), 0x0bu);
    guest_write(config, 0x0c, 4, 0xffffffff);
    // Cache line size and latency timer take the write, header type and BIST do not.
    EXPECT_EQ(guest_read(config, 0x0c, 4), 0x0000ffffu);
}

TEST(ConfigSpace, MemoryBarAnswersTheSizingProtocol) {
    ConfigSpace config(kIds);
    config.add_memory_bar(0, 0xe0000000, 0x8000);
    EXPECT_EQ(guest_read(config, reg::kBar0, 4), 0xe0000000u);
    EXPECT_EQ(config.bar_size(0), 0x8000u);

    guest_write(config, reg::kBar0, 4, 0xffffffff);
    // ~(size - 1) with the type bits (32-bit, non-prefetchable memory) all clear.
    EXPECT_EQ(guest_read(config, reg::kBar0, 4), 0xffff8000u);
    guest_write(config, reg::kBar0, 4, 0xe0000000);
    EXPECT_EQ(config.bar_address(0), 0xe0000000u);

    // The guest may move the BAR to any address aligned to its size; low bits are dropped.
    guest_write(config, reg::kBar0, 4, 0xc0012345);
    EXPECT_EQ(config.bar_address(0), 0xc0010000u);
    EXPECT_EQ(guest_read(config, reg::kBar0, 4), 0xc0010000u);
}

TEST(ConfigSpace, SixtyFourBitBarSizesBothHalves) {
    ConfigSpace config(kIds);
    config.add_memory_bar(2, 0x8'0000'0000, 0x2'0000'0000, /*is_64bit=*/true);
    uint16_t low = reg::kBar0 + 8;
    uint16_t high = reg::kBar0 + 12;
    EXPECT_EQ(guest_read(config, low, 4), 0x4u);  // Type bits: 64-bit memory.
    EXPECT_EQ(guest_read(config, high, 4), 0x8u);
    EXPECT_EQ(config.bar_address(2), 0x8'0000'0000u);
    EXPECT_EQ(config.bar_address(3), std::nullopt);  // The upper half is not a BAR of its own.

    guest_write(config, low, 4, 0xffffffff);
    guest_write(config, high, 4, 0xffffffff);
    EXPECT_EQ(guest_read(config, low, 4), 0x4u);
    EXPECT_EQ(guest_read(config, high, 4), 0xfffffffeu);  // 8 GiB: ~(size - 1) >> 32.

    guest_write(config, low, 4, 0);
    guest_write(config, high, 4, 0x10);
    EXPECT_EQ(config.bar_address(2), 0x10'0000'0000u);
}

TEST(ConfigSpace, SmallSixtyFourBitBarKeepsItsTypeBitsWhileSized) {
    ConfigSpace config(kIds);
    config.add_memory_bar(0, 0x1'0000'4000, 0x4000, /*is_64bit=*/true);
    guest_write(config, reg::kBar0, 4, 0xffffffff);
    guest_write(config, reg::kBar0 + 4, 4, 0xffffffff);
    EXPECT_EQ(guest_read(config, reg::kBar0, 4), 0xffffc004u);
    EXPECT_EQ(guest_read(config, reg::kBar0 + 4, 4), 0xffffffffu);
}

TEST(ConfigSpace, UndeclaredBarsReadZeroAfterSizing) {
    ConfigSpace config(kIds);
    config.add_memory_bar(0, 0xe0000000, 0x1000);
    for (int bar = 1; bar < kBarCount; ++bar) {
        auto offset = static_cast<uint16_t>(reg::kBar0 + 4 * bar);
        guest_write(config, offset, 4, 0xffffffff);
        EXPECT_EQ(guest_read(config, offset, 4), 0u) << "BAR" << bar;
        EXPECT_EQ(config.bar_address(bar), std::nullopt);
    }
    // The expansion ROM BAR is not implemented either.
    guest_write(config, 0x30, 4, 0xffffffff);
    EXPECT_EQ(guest_read(config, 0x30, 4), 0u);
}

TEST(ConfigSpace, BarIndexCoversExactlyTheSixBarDwords) {
    EXPECT_EQ(ConfigSpace::bar_index_at(0x0f), std::nullopt);
    EXPECT_EQ(ConfigSpace::bar_index_at(0x10), 0);
    EXPECT_EQ(ConfigSpace::bar_index_at(0x13), 0);
    EXPECT_EQ(ConfigSpace::bar_index_at(0x14), 1);
    EXPECT_EQ(ConfigSpace::bar_index_at(0x27), 5);
    EXPECT_EQ(ConfigSpace::bar_index_at(0x28), std::nullopt);
}

TEST(ConfigSpace, CapabilityListIsLinkedFromThePointerAndDwordAligned) {
    ConfigSpace config(kIds);
    std::array<uint8_t, 3> odd_body{0xaa, 0xbb, 0xcc};
    std::array<uint8_t, 10> msix_body{};
    uint16_t first = config.add_capability(CapabilityId::Vendor, odd_body);
    uint16_t second = config.add_capability(CapabilityId::MsiX, msix_body);
    EXPECT_EQ(first, reg::kFirstCapability);
    EXPECT_EQ(second % 4, 0);
    EXPECT_GE(second, first + 2 + odd_body.size());

    EXPECT_NE(guest_read(config, reg::kStatus, 2) & kStatusCapabilitiesList, 0u);
    EXPECT_EQ(guest_read(config, reg::kCapabilitiesPointer, 1), first);
    EXPECT_EQ(guest_read(config, first, 1), static_cast<uint8_t>(CapabilityId::Vendor));
    EXPECT_EQ(guest_read(config, first + 1, 1), second);
    EXPECT_EQ(guest_read(config, first + 2, 4) & 0xffffff, 0xccbbaau);
    EXPECT_EQ(guest_read(config, second, 1), static_cast<uint8_t>(CapabilityId::MsiX));
    EXPECT_EQ(guest_read(config, second + 1, 1), 0u);  // The end of the list.
}

TEST(ConfigSpace, CapabilityBodyHonoursItsWriteMask) {
    ConfigSpace config(kIds);
    std::array<uint8_t, 2> body{0x12, 0x34};
    std::array<uint8_t, 2> writable{0x00, 0xc0};
    uint16_t offset = config.add_capability(CapabilityId::MsiX, body, writable);
    guest_write(config, offset, 4, 0xffffffff);
    // The id and next bytes never change; only the masked bits of the body do.
    EXPECT_EQ(guest_read(config, offset, 4),
              0xf4120000u | static_cast<uint8_t>(CapabilityId::MsiX));
    guest_write(config, offset + 3, 1, 0x00);
    EXPECT_EQ(guest_read(config, offset + 3, 1), 0x34u);
}

TEST(ConfigSpace, AccessesPastTheEndReadOnesAndAreDropped) {
    ConfigSpace config(kIds);
    std::array<uint8_t, 4> bytes{};
    config.read(0xfe, bytes);
    EXPECT_EQ(bytes, (std::array<uint8_t, 4>{0, 0, 0xff, 0xff}));
    config.write(0xfe, std::array<uint8_t, 4>{1, 2, 3, 4});  // Must not write past the array.
    config.read(0xfc, bytes);
    EXPECT_EQ(bytes, (std::array<uint8_t, 4>{}));
}

}  // namespace
}  // namespace zapotec::pci
