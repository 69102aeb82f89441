// Tests of bus 0 and the type-1 configuration mechanism (ports 0xcf8/0xcfc) as a guest's
// PCI code drives it: Linux's type-1 probe, enumeration, and accesses of every width.
#include "devices/pci/pci_root.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "type1_config.hpp"

namespace zapotec::pci {
namespace {

using testing::config_address;
using testing::kAddressPort;
using testing::kDataPort;
using testing::Type1Config;

constexpr uint64_t kScratchBar = 0xe0000000;

// A function whose BAR0 is 16 bytes, so 28 of the dword's 32 bits take guest writes.
class ScratchFunction : public PciDevice {
  public:
    ScratchFunction() : PciDevice(PciIds{.vendor = 0x1234, .device = 0xabcd}) {
        config().add_memory_bar(0, kScratchBar, 16);
    }
    std::string name() const override { return "scratch"; }
    void read_bar(int, uint64_t, std::span<uint8_t> data) override {
        std::fill(data.begin(), data.end(), 0);
    }
    void write_bar(int, uint64_t, std::span<const uint8_t>) override {}
};

TEST(PciRoot, HostBridgeAnswersAtSlotZero) {
    PciRoot root;
    Type1Config config(root);
    EXPECT_EQ(config.read32(0, reg::kVendorId), 0x00081b36u);
    EXPECT_EQ(config.read32(0, reg::kRevision) >> 8, 0x060000u);  // Host bridge class.
    EXPECT_EQ(config.read8(0, reg::kHeaderType), 0u);
    // No BARs: sizing reads zero, so Linux assigns nothing.
    config.write32(0, reg::kBar0, 0xffffffff);
    EXPECT_EQ(config.read32(0, reg::kBar0), 0u);
}

TEST(PciRoot, PassesLinuxsTypeOneProbe) {
    // pci_check_type1(): a byte write to 0xcfb must not disturb the dword register, which
    // then reads back what was written; pci_sanity_check() then wants a host bridge.
    PciRoot root;
    Type1Config config(root);
    config.write_port(kAddressPort + 3, 1, 0x01);
    uint32_t saved = config.read_port(kAddressPort, 4);
    config.write_port(kAddressPort, 4, 0x80000000);
    EXPECT_EQ(config.read_port(kAddressPort, 4), 0x80000000u);
    config.write_port(kAddressPort, 4, saved);
    EXPECT_EQ(config.read16(0, reg::kClassCode + 1), 0x0600u);
}

TEST(PciRoot, AddressRegisterReadsBackAtEveryWidthAndOffset) {
    PciRoot root;
    Type1Config config(root);
    config.write_port(kAddressPort, 4, 0x8012'3456);
    for (size_t width : {1u, 2u, 4u}) {
        for (uint64_t offset = 0; offset + width <= 4; ++offset) {
            uint32_t expected = 0x8012'3456u >> (8 * offset);
            if (width < 4)
                expected &= (1u << (8 * width)) - 1;
            EXPECT_EQ(config.read_port(kAddressPort + offset, width), expected)
                << width << " bytes at 0xcf8+" << offset;
        }
    }
    config.write_port(kAddressPort + 1, 2, 0xbeef);
    EXPECT_EQ(config.read_port(kAddressPort, 4), 0x80be'ef56u);
}

TEST(PciRoot, DataPortReadsEveryWidthAtEveryOffsetWithinTheDword) {
    PciRoot root;
    Type1Config config(root);
    constexpr uint32_t kIdDword = 0x00081b36;  // Host bridge: device 0x0008, vendor 0x1b36.
    for (size_t width : {1u, 2u, 4u}) {
        for (uint16_t byte = 0; byte + width <= 4; ++byte) {
            uint32_t expected = kIdDword >> (8 * byte);
            if (width < 4)
                expected &= (1u << (8 * width)) - 1;
            EXPECT_EQ(config.read(0, byte, width), expected) << width << " bytes at 0xcfc+" << byte;
        }
    }
}

TEST(PciRoot, DataPortWritesEveryWidthAtEveryOffsetWithinTheDword) {
    PciRoot root;
    ASSERT_EQ(root.add_device(std::make_shared<ScratchFunction>()), 1);
    Type1Config config(root);
    for (size_t width : {1u, 2u, 4u}) {
        for (uint16_t byte = 0; byte + width <= 4; ++byte) {
            config.write32(1, reg::kBar0, 0);
            config.write(1, static_cast<uint16_t>(reg::kBar0 + byte), width, 0xffffffff);
            uint32_t touched = (width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1) << (8 * byte);
            // Only the written bytes change, and the BAR's low four bits stay read-only.
            EXPECT_EQ(config.read32(1, reg::kBar0), touched & 0xfffffff0u)
                << width << " bytes at 0xcfc+" << byte;
        }
    }
}

TEST(PciRoot, AccessesSpillingPastTheDataDwordAreIgnored) {
    PciRoot root;
    ASSERT_EQ(root.add_device(std::make_shared<ScratchFunction>()), 1);
    Type1Config config(root);
    config.write_port(kAddressPort, 4, config_address(0, 1, 0, reg::kBar0));
    EXPECT_EQ(config.read_port(kDataPort + 3, 2), 0xffffu);
    EXPECT_EQ(config.read_port(kDataPort + 1, 4), 0xffffffffu);
    config.write_port(kDataPort + 2, 4, 0);
    EXPECT_EQ(config.read32(1, reg::kBar0), static_cast<uint32_t>(kScratchBar));
}

TEST(PciRoot, AbsentFunctionsReadAsAllOnes) {
    PciRoot root;
    ASSERT_EQ(root.add_device(std::make_shared<ScratchFunction>()), 1);
    Type1Config config(root);
    EXPECT_EQ(config.read32(2, reg::kVendorId), 0xffffffffu);      // Empty slot.
    EXPECT_EQ(config.read32(31, reg::kVendorId), 0xffffffffu);     // Last slot.
    EXPECT_EQ(config.read(1, 0, 4, /*function=*/1), 0xffffffffu);  // Single-function device.
    EXPECT_EQ(config.read(1, 0, 2, /*function=*/7), 0xffffu);
    EXPECT_EQ(config.read(0, 0, 4, 0, /*bus=*/1), 0xffffffffu);  // No bus behind a bridge.
    // Writes to absent functions go nowhere (and do not reach slot 1 either).
    config.write(1, reg::kBar0, 4, 0, /*function=*/3);
    EXPECT_EQ(config.read32(1, reg::kBar0), static_cast<uint32_t>(kScratchBar));
}

TEST(PciRoot, ConfigDisabledInTheAddressRegisterReadsOnes) {
    PciRoot root;
    ASSERT_EQ(root.add_device(std::make_shared<ScratchFunction>()), 1);
    Type1Config config(root);
    config.write_port(kAddressPort, 4, config_address(0, 1, 0, reg::kBar0) & ~(1u << 31));
    EXPECT_EQ(config.read_port(kDataPort, 4), 0xffffffffu);
    config.write_port(kDataPort, 4, 0);
    EXPECT_EQ(config.read32(1, reg::kBar0), static_cast<uint32_t>(kScratchBar));
}

TEST(PciRoot, RegisterNumberIgnoresTheLowTwoAddressBits) {
    PciRoot root;
    Type1Config config(root);
    config.write_port(kAddressPort, 4, config_address(0, 0, 0, 0) | 0x3);
    EXPECT_EQ(config.read_port(kDataPort, 4), 0x00081b36u);
}

TEST(PciRoot, FillsSlotsOneToThirtyOneThenRefuses) {
    PciRoot root;
    for (int slot = 1; slot < kSlotsPerBus; ++slot)
        ASSERT_EQ(root.add_device(std::make_shared<ScratchFunction>()), slot);
    auto full = root.add_device(std::make_shared<ScratchFunction>());
    ASSERT_FALSE(full.has_value());
    EXPECT_NE(full.error().message().find("full"), std::string::npos);
    Type1Config config(root);
    EXPECT_EQ(config.read32(31, reg::kVendorId), 0xabcd1234u);
}

TEST(PciRoot, EnumerationFindsEveryDeviceAndItsClass) {
    // What pci_scan_bus() does: read the vendor of each slot, skip the absent ones.
    PciRoot root;
    ASSERT_EQ(root.add_device(std::make_shared<ScratchFunction>()), 1);
    ASSERT_EQ(root.add_device(std::make_shared<ScratchFunction>()), 2);
    Type1Config config(root);
    std::vector<int> present;
    for (int slot = 0; slot < kSlotsPerBus; ++slot) {
        if (config.read16(slot, reg::kVendorId) != 0xffff)
            present.push_back(slot);
    }
    EXPECT_EQ(present, (std::vector<int>{0, 1, 2}));
}

}  // namespace
}  // namespace zapotec::pci
