// Tests of the PCI function base: BARs appear on the MMIO bus only while memory decoding is
// on, follow the guest when it moves them, and tell the device through bar_remapped().
#include "devices/pci/pci_device.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

namespace zapotec::pci {
namespace {

constexpr uint64_t kBar0 = 0xe0000000;
constexpr uint64_t kBar0Size = 0x1000;
constexpr uint64_t kBar2 = 0x1'0000'0000;
constexpr uint64_t kBar2Size = 0x4000;

// A function with a 32-bit BAR0 and a 64-bit BAR2 whose registers read as the BAR number
// and the offset, so a test can tell where an access landed.
class TestFunction : public PciDevice {
  public:
    TestFunction() : PciDevice(PciIds{.vendor = 0x1234, .device = 0x5678}) {
        config().add_memory_bar(0, kBar0, kBar0Size);
        config().add_memory_bar(2, kBar2, kBar2Size, /*is_64bit=*/true);
    }
    std::string name() const override { return "test function"; }
    void read_bar(int bar, uint64_t offset, std::span<uint8_t> data) override {
        for (size_t i = 0; i < data.size(); ++i)
            data[i] = static_cast<uint8_t>(i == 0 ? bar : offset);
    }
    void write_bar(int bar, uint64_t offset, std::span<const uint8_t> data) override {
        writes.push_back({bar, offset, data.size()});
    }

    struct Write {
        int bar;
        uint64_t offset;
        size_t size;
    };
    struct Remap {
        int bar;
        std::optional<uint64_t> old_address;
        std::optional<uint64_t> new_address;
    };
    std::vector<Write> writes;
    std::vector<Remap> remaps;

  protected:
    void bar_remapped(int bar, std::optional<uint64_t> old_address,
                      std::optional<uint64_t> new_address) override {
        remaps.push_back({bar, old_address, new_address});
    }
};

void write_config32(PciDevice& device, uint16_t offset, uint32_t value) {
    std::array<uint8_t, 4> bytes{};
    for (size_t i = 0; i < 4; ++i)
        bytes[i] = static_cast<uint8_t>(value >> (8 * i));
    device.write_config(offset, bytes);
}

uint32_t read_config32(PciDevice& device, uint16_t offset) {
    std::array<uint8_t, 4> bytes{};
    device.read_config(offset, bytes);
    return uint32_t{bytes[0]} | uint32_t{bytes[1]} << 8 | uint32_t{bytes[2]} << 16 |
           uint32_t{bytes[3]} << 24;
}

void set_command(PciDevice& device, uint16_t command) {
    std::array<uint8_t, 2> bytes{static_cast<uint8_t>(command), static_cast<uint8_t>(command >> 8)};
    device.write_config(reg::kCommand, bytes);
}

// Which BAR answers at `address` on the bus (the first byte of a read), or nullopt.
std::optional<int> bar_at(const Bus& bus, uint64_t address) {
    std::array<uint8_t, 2> data{};
    if (!bus.read(address, data))
        return std::nullopt;
    return data[0];
}

class PciDeviceTest : public ::testing::Test {
  protected:
    void SetUp() override { device->attach(&bus); }

    Bus bus;
    std::shared_ptr<TestFunction> device = std::make_shared<TestFunction>();
};

TEST_F(PciDeviceTest, BarsStayOffTheBusUntilMemoryDecodingIsEnabled) {
    EXPECT_EQ(bar_at(bus, kBar0), std::nullopt);
    EXPECT_EQ(bar_at(bus, kBar2), std::nullopt);
    EXPECT_TRUE(device->remaps.empty());

    set_command(*device, kCommandMemorySpace);
    EXPECT_EQ(bar_at(bus, kBar0), 0);
    EXPECT_EQ(bar_at(bus, kBar0 + kBar0Size - 1), 0);
    EXPECT_EQ(bar_at(bus, kBar0 + kBar0Size), std::nullopt);
    EXPECT_EQ(bar_at(bus, kBar2 + kBar2Size - 1), 2);
    ASSERT_EQ(device->remaps.size(), 2u);
    EXPECT_EQ(device->remaps[0].bar, 0);
    EXPECT_EQ(device->remaps[0].old_address, std::nullopt);
    EXPECT_EQ(device->remaps[0].new_address, kBar0);
    EXPECT_EQ(device->remaps[1].bar, 2);
    EXPECT_EQ(device->remaps[1].new_address, kBar2);
}

TEST_F(PciDeviceTest, AccessesReachTheDeviceWithTheOffsetIntoTheBar) {
    set_command(*device, kCommandMemorySpace);
    std::array<uint8_t, 2> data{};
    ASSERT_TRUE(bus.read(kBar0 + 0x42, data));
    EXPECT_EQ(data[1], 0x42);
    ASSERT_TRUE(bus.write(kBar2 + 0x123, std::array<uint8_t, 4>{}));
    ASSERT_EQ(device->writes.size(), 1u);
    EXPECT_EQ(device->writes[0].bar, 2);
    EXPECT_EQ(device->writes[0].offset, 0x123u);
    EXPECT_EQ(device->writes[0].size, 4u);
}

TEST_F(PciDeviceTest, SizingWithDecodingOffLeavesTheBusAlone) {
    write_config32(*device, reg::kBar0, 0xffffffff);
    EXPECT_EQ(read_config32(*device, reg::kBar0), 0xfffff000u);
    write_config32(*device, reg::kBar0, static_cast<uint32_t>(kBar0));
    EXPECT_TRUE(device->remaps.empty());
    set_command(*device, kCommandMemorySpace);
    EXPECT_EQ(bar_at(bus, kBar0), 0);
}

TEST_F(PciDeviceTest, MovingABarWhileDecodingMovesItOnTheBus) {
    set_command(*device, kCommandMemorySpace);
    device->remaps.clear();
    constexpr uint64_t kMoved = 0xd0000000;
    write_config32(*device, reg::kBar0, static_cast<uint32_t>(kMoved));
    EXPECT_EQ(bar_at(bus, kBar0), std::nullopt);
    EXPECT_EQ(bar_at(bus, kMoved), 0);
    ASSERT_EQ(device->remaps.size(), 1u);
    EXPECT_EQ(device->remaps[0].old_address, kBar0);
    EXPECT_EQ(device->remaps[0].new_address, kMoved);
}

TEST_F(PciDeviceTest, SixtyFourBitBarMovesAboveFourGigabytesInTwoWrites) {
    set_command(*device, kCommandMemorySpace);
    write_config32(*device, reg::kBar0 + 8, 0x8000);
    write_config32(*device, reg::kBar0 + 12, 0x20);
    EXPECT_EQ(bar_at(bus, 0x20'0000'8000), 2);
    EXPECT_EQ(bar_at(bus, kBar2), std::nullopt);
}

TEST_F(PciDeviceTest, DisablingDecodingTakesEveryBarOffTheBus) {
    set_command(*device, kCommandMemorySpace | kCommandBusMaster);
    device->remaps.clear();
    set_command(*device, kCommandBusMaster);
    EXPECT_EQ(bar_at(bus, kBar0), std::nullopt);
    EXPECT_EQ(bar_at(bus, kBar2), std::nullopt);
    ASSERT_EQ(device->remaps.size(), 2u);
    EXPECT_EQ(device->remaps[0].old_address, kBar0);
    EXPECT_EQ(device->remaps[0].new_address, std::nullopt);
}

TEST_F(PciDeviceTest, RewritingTheSameCommandDoesNotRemap) {
    set_command(*device, kCommandMemorySpace);
    device->remaps.clear();
    set_command(*device, kCommandMemorySpace | kCommandBusMaster);
    write_config32(*device, reg::kBar0, static_cast<uint32_t>(kBar0));
    EXPECT_TRUE(device->remaps.empty());
}

TEST_F(PciDeviceTest, BarOverlappingAnotherRangeStaysUnmappedUntilMovedAway) {
    // Something else already owns the page BAR0 is programmed at.
    class Squatter : public BusDevice {
      public:
        void read(uint64_t, std::span<uint8_t> data) override {
            std::fill(data.begin(), data.end(), 0x77);
        }
        void write(uint64_t, std::span<const uint8_t>) override {}
    };
    ASSERT_TRUE(bus.insert(std::make_shared<Squatter>(), kBar0, 0x10).has_value());
    set_command(*device, kCommandMemorySpace);
    EXPECT_EQ(bar_at(bus, kBar0), 0x77);                 // The squatter keeps its range.
    EXPECT_EQ(bar_at(bus, kBar0 + 0x10), std::nullopt);  // And BAR0 is nowhere.
    EXPECT_EQ(bar_at(bus, kBar2), 2);                    // The other BAR is unaffected.

    constexpr uint64_t kFree = 0xd0000000;
    write_config32(*device, reg::kBar0, static_cast<uint32_t>(kFree));
    EXPECT_EQ(bar_at(bus, kFree), 0);
    EXPECT_EQ(bar_at(bus, kBar0), 0x77);
}

TEST_F(PciDeviceTest, AttachMapsBarsThatAreAlreadyDecoded) {
    auto late = std::make_shared<TestFunction>();
    set_command(*late, kCommandMemorySpace);
    Bus other_bus;
    EXPECT_TRUE(late->remaps.empty());  // No bus yet: nothing to map.
    late->attach(&other_bus);
    EXPECT_EQ(bar_at(other_bus, kBar0), 0);
}

TEST_F(PciDeviceTest, BusRangeOfADestroyedDeviceReadsOnes) {
    set_command(*device, kCommandMemorySpace);
    device.reset();
    std::array<uint8_t, 4> data{};
    ASSERT_TRUE(bus.read(kBar0, data));
    EXPECT_EQ(data, (std::array<uint8_t, 4>{0xff, 0xff, 0xff, 0xff}));
    EXPECT_TRUE(bus.write(kBar0, data));  // Dropped, not a crash.
}

}  // namespace
}  // namespace zapotec::pci
