// Tests of what Linux's virtio_pci_modern probe finds before it talks virtio: the PCI IDs, the
// vendor capabilities and the MSI-X capability describing BAR0, and BAR0 itself appearing on
// the MMIO bus (with the queue ioeventfds) where and while the guest decodes it.
#include <gtest/gtest.h>

#include "virtio_pci_harness.hpp"

namespace zapotec::virtio {
namespace {

using testing::CapType;
using testing::FakeNotifyRegistry;
using testing::VirtioPciHarness;
namespace common = testing::common;
namespace reg = pci::reg;

constexpr int kSlot = VirtioPciHarness::kSlot;
constexpr uint64_t kNotifyAddress = VirtioPciHarness::kBar0 + VirtioPciDevice::kNotifyOffset;

TEST(VirtioPciDiscovery, PresentsAModernVirtioRngFunction) {
    VirtioPciHarness harness;
    auto& config = harness.config;
    EXPECT_EQ(config.read16(kSlot, reg::kVendorId), 0x1af4);
    // Modern devices are 0x1040 + the virtio device ID (4, entropy), revision 1 or more.
    EXPECT_EQ(config.read16(kSlot, reg::kDeviceId), 0x1044);
    EXPECT_GE(config.read8(kSlot, reg::kRevision), 1);
    EXPECT_EQ(config.read16(kSlot, reg::kSubsystemVendorId), 0x1af4);
    EXPECT_GE(config.read16(kSlot, reg::kSubsystemId), 0x40);
    EXPECT_EQ(config.read8(kSlot, reg::kHeaderType), 0);
    EXPECT_EQ(config.read8(kSlot, reg::kInterruptPin), 0);  // MSI-X only.
}

TEST(VirtioPciDiscovery, VendorCapabilitiesDescribeTheBar0Layout) {
    VirtioPciHarness harness;
    auto caps = harness.virtio_caps();
    ASSERT_EQ(caps.size(), 4u);
    for (const auto& cap : caps) {
        EXPECT_EQ(cap.bar, 0);
        EXPECT_GE(cap.length, 16);  // sizeof(struct virtio_pci_cap).
        EXPECT_LE(uint64_t{cap.offset} + cap.size, VirtioPciDevice::kBar0Size);
    }
    auto common_cap = harness.find_virtio_cap(CapType::Common);
    ASSERT_TRUE(common_cap.has_value());
    EXPECT_EQ(common_cap->offset, 0x0u);
    EXPECT_GE(common_cap->size, common::kEnd);

    auto isr = harness.find_virtio_cap(CapType::Isr);
    ASSERT_TRUE(isr.has_value());
    EXPECT_EQ(isr->offset, 0x1000u);
    EXPECT_GE(isr->size, 1u);

    auto device = harness.find_virtio_cap(CapType::Device);
    ASSERT_TRUE(device.has_value());
    EXPECT_EQ(device->offset, 0x2000u);

    auto notify = harness.find_virtio_cap(CapType::Notify);
    ASSERT_TRUE(notify.has_value());
    EXPECT_EQ(notify->offset, 0x3000u);
    EXPECT_EQ(notify->length, 20);  // struct virtio_pci_notify_cap.
    EXPECT_EQ(notify->notify_multiplier, 4u);
    // vp_modern_map_vq_notify() wants notify_off * multiplier + 2 within the region for
    // every queue; the one queue here has notify_off 0.
    EXPECT_GE(notify->size, 2u);
}

TEST(VirtioPciDiscovery, MsixCapabilityPointsIntoBar0) {
    VirtioPciHarness harness;
    uint16_t cap = harness.msix_cap();
    ASSERT_NE(cap, 0);
    auto& config = harness.config;
    uint16_t control = config.read16(kSlot, cap + 2);
    EXPECT_EQ((control & 0x7ff) + 1, 2);  // One vector for the queue, one for config.
    EXPECT_EQ(control & (pci::kMsixControlEnable | pci::kMsixControlFunctionMask), 0);
    EXPECT_EQ(config.read32(kSlot, cap + 4), VirtioPciDevice::kMsixTableOffset | 0);
    EXPECT_EQ(config.read32(kSlot, cap + 8), VirtioPciDevice::kMsixPbaOffset | 0);
    // Only enable and function mask take writes; the table size and offsets do not.
    config.write32(kSlot, cap, 0xffffffff);
    EXPECT_EQ(config.read16(kSlot, cap + 2), 0xc001);
    config.write32(kSlot, cap + 4, 0);
    EXPECT_EQ(config.read32(kSlot, cap + 4), VirtioPciDevice::kMsixTableOffset);
}

TEST(VirtioPciDiscovery, Bar0IsOnTheBusOnlyWhileMemoryDecodingIsOn) {
    VirtioPciHarness harness;
    EXPECT_EQ(harness.read(common::kNumQueues, 2), 0xffffu);  // Unclaimed before enabling.
    EXPECT_TRUE(harness.notify_registry->calls.empty());

    harness.enable_device();
    EXPECT_EQ(harness.read(common::kNumQueues, 2), 1u);
    EXPECT_EQ(harness.read(VirtioPciDevice::kBar0Size - 1, 1), 0u);  // The last byte (PBA).

    std::array<uint8_t, 1> byte{};
    EXPECT_FALSE(harness.mmio.read(VirtioPciHarness::kBar0 + VirtioPciDevice::kBar0Size, byte));
}

TEST(VirtioPciDiscovery, EnablingDecodingRegistersTheQueueNotifyAddress) {
    VirtioPciHarness harness;
    harness.enable_device();
    auto& calls = harness.notify_registry->calls;
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_TRUE(calls[0].added);
    EXPECT_EQ(calls[0].address, kNotifyAddress);
    EXPECT_GE(calls[0].event_fd, 0);
}

TEST(VirtioPciDiscovery, ReprogrammedBar0MovesAndTakesTheIoeventfdAlong) {
    VirtioPciHarness harness;
    harness.enable_device();
    int fd = harness.notify_registry->calls.at(0).event_fd;
    harness.notify_registry->calls.clear();

    // The guest moves the BAR the way Linux reassigns resources: decoding off, new address,
    // decoding on.
    harness.enable_device(VirtioPciHarness::kMovedBar0);
    using Call = FakeNotifyRegistry::Call;
    uint64_t moved_notify = VirtioPciHarness::kMovedBar0 + VirtioPciDevice::kNotifyOffset;
    EXPECT_EQ(harness.notify_registry->calls,
              (std::vector<Call>{{false, fd, kNotifyAddress}, {true, fd, moved_notify}}));
    EXPECT_EQ(harness.notify_registry->registered,
              (std::set<std::pair<int, uint64_t>>{{fd, moved_notify}}));
    EXPECT_EQ(harness.read(common::kNumQueues, 2), 1u);  // Reads through the new address.
    std::array<uint8_t, 2> data{};
    EXPECT_FALSE(harness.mmio.read(VirtioPciHarness::kBar0, data));
}

TEST(VirtioPciDiscovery, MovingBar0WhileDecodingSwapsTheIoeventfdInOneStep) {
    VirtioPciHarness harness;
    harness.enable_device();
    int fd = harness.notify_registry->calls.at(0).event_fd;
    harness.notify_registry->calls.clear();
    harness.config.write32(kSlot, reg::kBar0, static_cast<uint32_t>(VirtioPciHarness::kMovedBar0));
    harness.bar0 = VirtioPciHarness::kMovedBar0;
    using Call = FakeNotifyRegistry::Call;
    uint64_t moved_notify = VirtioPciHarness::kMovedBar0 + VirtioPciDevice::kNotifyOffset;
    EXPECT_EQ(harness.notify_registry->calls,
              (std::vector<Call>{{false, fd, kNotifyAddress}, {true, fd, moved_notify}}));
    EXPECT_EQ(harness.read(common::kNumQueues, 2), 1u);
}

TEST(VirtioPciDiscovery, DisablingDecodingUnregistersTheIoeventfd) {
    VirtioPciHarness harness;
    harness.enable_device();
    harness.config.write16(kSlot, reg::kCommand, pci::kCommandBusMaster);
    EXPECT_TRUE(harness.notify_registry->registered.empty());
    EXPECT_EQ(harness.notify_registry->calls.size(), 2u);
    EXPECT_EQ(harness.read(common::kNumQueues, 2), 0xffffu);
}

TEST(VirtioPciDiscovery, FailedIoeventfdLeavesNotificationsToTheSlowPath) {
    VirtioPciHarness harness;
    harness.notify_registry->fail_adds = true;
    harness.enable_device();
    harness.enable_msix();
    ASSERT_EQ(harness.initialise() & status::kDriverOk, status::kDriverOk);
    harness.driver.post({{harness.driver.allocate(16), 16, true}});
    harness.notify();  // Reaches the transport, which signals the queue's eventfd itself.
    harness.run_loop();
    EXPECT_EQ(harness.driver.used_idx(), 1);
}

}  // namespace
}  // namespace zapotec::virtio
