// Tests of the transport's lifetime against its device's: the device holds the transport's
// interrupt while active, so a transport that goes away must stop the device first.
#include <gtest/gtest.h>

#include <array>

#include "virtio_pci_harness.hpp"

namespace zapotec::virtio {
namespace {

using testing::TestDriver;
namespace common = testing::common;

void write_bar(VirtioPciDevice& transport, uint64_t offset, size_t width, uint64_t value) {
    std::array<uint8_t, 8> bytes{};
    for (size_t i = 0; i < width; ++i)
        bytes[i] = static_cast<uint8_t>(value >> (8 * i));
    transport.write_bar(0, offset, std::span<const uint8_t>(bytes.data(), width));
}

// Brings the transport to DRIVER_OK on the test driver's rings, straight through BAR0.
void bring_up(VirtioPciDevice& transport, const TestDriver& driver) {
    write_bar(transport, common::kDeviceStatus, 1, status::kAcknowledge | status::kDriver);
    write_bar(transport, common::kDriverFeatureSelect, 4, 1);
    write_bar(transport, common::kDriverFeature, 4, 1);  // VERSION_1.
    write_bar(transport, common::kDeviceStatus, 1, 0x0b);
    write_bar(transport, common::kQueueSelect, 2, 0);
    write_bar(transport, common::kQueueSize, 2, driver.size());
    write_bar(transport, common::kQueueDesc, 4, TestDriver::kDescTable);
    write_bar(transport, common::kQueueDriver, 4, TestDriver::kAvailRing);
    write_bar(transport, common::kQueueDevice, 4, TestDriver::kUsedRing);
    write_bar(transport, common::kQueueMsixVector, 2, 1);
    write_bar(transport, common::kQueueEnable, 2, 1);
    write_bar(transport, common::kDeviceStatus, 1, 0x0f);
}

TEST(VirtioPciLifetime, DestroyingTheTransportStopsItsDevice) {
    TestDriver driver(16);
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.has_value());
    auto rng = RngDevice::create();
    ASSERT_TRUE(rng.has_value());
    auto msi = std::make_shared<pci::testing::FakeMsiVectors>();
    VirtioPciDeps deps{driver.memory(), msi, nullptr, loop->get()};
    auto transport = VirtioPciDevice::create(*rng, std::move(deps), 0xc0000000);
    ASSERT_TRUE(transport.has_value());
    bring_up(**transport, driver);
    ASSERT_EQ((*transport)->status(), 0x0f);
    ASSERT_TRUE((*rng)->active());

    transport->reset();
    // (ASSERT: with the device still active, the lines below would use freed memory.)
    ASSERT_FALSE((*rng)->active());
    // A request now must not reach the interrupt of the transport that is gone.
    driver.post({{driver.allocate(16), 16, true}});
    (*rng)->process_queue(0);
    EXPECT_EQ(driver.used_idx(), 0);
    EXPECT_TRUE(msi->triggers.empty());
}

}  // namespace
}  // namespace zapotec::virtio
