// Tests of pvpanic-pci as Linux's pvpanic-pci driver finds and uses it: IDs, a 4 KiB BAR0,
// the supported events in its first byte, and the panic event reaching the VMM.
#include "devices/pci/pvpanic.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "devices/pci/pci_root.hpp"
#include "type1_config.hpp"

namespace zapotec::pci {
namespace {

using testing::Type1Config;

constexpr uint64_t kBar = 0xe000'2000;

class PvPanicTest : public ::testing::Test {
  protected:
    void SetUp() override {
        device = std::make_shared<PvPanicDevice>(kBar, [this](uint8_t e) { events.push_back(e); });
        ASSERT_EQ(root.add_device(device), 1);
        device->attach(&mmio);
    }
    uint8_t read_byte(uint64_t address) {
        std::array<uint8_t, 1> data{0xee};
        EXPECT_TRUE(mmio.read(address, data));
        return data[0];
    }
    void write_byte(uint64_t address, uint8_t value) {
        EXPECT_TRUE(mmio.write(address, std::array<uint8_t, 1>{value}));
    }

    Bus mmio;
    PciRoot root;
    Type1Config config{root};
    std::shared_ptr<PvPanicDevice> device;
    std::vector<uint8_t> events;
};

TEST_F(PvPanicTest, PresentsRedHatsPvPanicIds) {
    EXPECT_EQ(config.read32(1, reg::kVendorId), 0x00111b36u);
    EXPECT_EQ(config.read32(1, reg::kRevision), 0x08800001u);
    EXPECT_EQ(config.read32(1, reg::kSubsystemVendorId), 0x00111b36u);
}

TEST_F(PvPanicTest, BarIsFourKilobytesAndDecodedOnlyWhenEnabled) {
    config.write32(1, reg::kBar0, 0xffffffff);
    EXPECT_EQ(config.read32(1, reg::kBar0), 0xfffff000u);
    config.write32(1, reg::kBar0, static_cast<uint32_t>(kBar));
    std::array<uint8_t, 1> data{};
    EXPECT_FALSE(mmio.read(kBar, data));
    config.write16(1, reg::kCommand, kCommandMemorySpace);
    EXPECT_EQ(read_byte(kBar), kPvPanicPanicked | kPvPanicCrashLoaded);
}

TEST_F(PvPanicTest, PanicEventReachesTheVmm) {
    config.write16(1, reg::kCommand, kCommandMemorySpace);
    write_byte(kBar, kPvPanicPanicked);
    write_byte(kBar, kPvPanicCrashLoaded);
    EXPECT_EQ(events, (std::vector<uint8_t>{kPvPanicPanicked, kPvPanicCrashLoaded}));
}

TEST_F(PvPanicTest, UnknownBitsAndOtherOffsetsAreIgnored) {
    config.write16(1, reg::kCommand, kCommandMemorySpace);
    write_byte(kBar, 0xfc);      // No event the host understands.
    write_byte(kBar + 1, 0x01);  // Not the event register.
    write_byte(kBar, 0xff);      // Known bits survive, unknown ones are dropped.
    EXPECT_EQ(events, (std::vector<uint8_t>{kPvPanicPanicked | kPvPanicCrashLoaded}));
    EXPECT_EQ(read_byte(kBar + 1), 0);
    std::array<uint8_t, 4> dword{};
    ASSERT_TRUE(mmio.read(kBar, dword));
    EXPECT_EQ(dword, (std::array<uint8_t, 4>{3, 0, 0, 0}));
}

TEST(PvPanic, WorksWithoutACallback) {
    PvPanicDevice device(kBar, nullptr);
    device.write_bar(0, 0, std::array<uint8_t, 1>{kPvPanicPanicked});  // Must not crash.
    std::array<uint8_t, 0> empty{};
    device.write_bar(0, 0, empty);
    device.read_bar(0, 0, std::span<uint8_t>{});
}

}  // namespace
}  // namespace zapotec::pci
