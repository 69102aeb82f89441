// The whole of Linux's virtio_pci_modern bring-up against a real entropy device, step by
// step, and then one request: posted on the ring, kicked through the notify area, served on
// the event loop, completed on the used ring and signalled on the queue's MSI-X vector.
#include <gtest/gtest.h>

#include <algorithm>

#include "virtio_pci_harness.hpp"

namespace zapotec::virtio {
namespace {

using testing::CapType;
using testing::TestDriver;
using testing::VirtioPciHarness;
namespace common = testing::common;

constexpr uint16_t kQueueSize = 16;
constexpr uint16_t kConfigVector = VirtioPciHarness::kConfigVector;
constexpr uint16_t kQueueVector = VirtioPciHarness::kQueueVector;

TEST(VirtioPciInit, LinuxBringUpSequenceThenOneRequest) {
    VirtioPciHarness harness(kQueueSize);
    harness.enable_device();
    harness.enable_msix();
    auto common_cap = harness.find_virtio_cap(CapType::Common);
    auto notify_cap = harness.find_virtio_cap(CapType::Notify);
    ASSERT_TRUE(common_cap && notify_cap);
    ASSERT_EQ(common_cap->offset, 0u);  // The harness's read()/write() are relative to BAR0.

    // virtio_dev_probe()/vp_reset(): reset, and wait for the status to read back 0.
    harness.set_status(0);
    EXPECT_EQ(harness.status(), 0);
    harness.add_status(status::kAcknowledge);
    harness.add_status(status::kDriver);
    EXPECT_EQ(harness.status(), status::kAcknowledge | status::kDriver);

    // vp_get_features(): both halves of the device features.
    harness.write(common::kDeviceFeatureSelect, 4, 0);
    uint64_t low = harness.read(common::kDeviceFeature, 4);
    harness.write(common::kDeviceFeatureSelect, 4, 1);
    uint64_t high = harness.read(common::kDeviceFeature, 4);
    uint64_t offered = high << 32 | low;
    EXPECT_EQ(offered, kFeatureVersion1 | kFeatureRingEventIdx | kFeatureRingIndirectDesc);

    // vp_finalize_features(): the driver takes everything, then asks for FEATURES_OK and
    // checks that it stuck.
    harness.write(common::kDriverFeatureSelect, 4, 0);
    harness.write(common::kDriverFeature, 4, offered & 0xffffffff);
    harness.write(common::kDriverFeatureSelect, 4, 1);
    harness.write(common::kDriverFeature, 4, offered >> 32);
    harness.add_status(status::kFeaturesOk);
    ASSERT_EQ(harness.status() & status::kFeaturesOk, status::kFeaturesOk);
    harness.write(common::kDriverFeatureSelect, 4, 0);
    EXPECT_EQ(harness.read(common::kDriverFeature, 4), offered & 0xffffffff);

    // vp_find_vqs_msix(): the config vector, read back to see that the device took it.
    harness.write(common::kConfigMsixVector, 2, kConfigVector);
    EXPECT_EQ(harness.read(common::kConfigMsixVector, 2), kConfigVector);
    ASSERT_EQ(harness.read(common::kNumQueues, 2), 1u);

    // vp_modern_setup_queue(): select, size, rings, notify offset, vector; enable at the end.
    harness.write(common::kQueueSelect, 2, 0);
    EXPECT_EQ(harness.read(common::kQueueSize, 2), RngDevice::kQueueSize);
    EXPECT_EQ(harness.read(common::kQueueEnable, 2), 0u);
    harness.write(common::kQueueSize, 2, kQueueSize);
    EXPECT_EQ(harness.read(common::kQueueSize, 2), kQueueSize);
    harness.write(common::kQueueDesc, 4, TestDriver::kDescTable);
    harness.write(common::kQueueDesc + 4, 4, 0);
    harness.write(common::kQueueDriver, 4, TestDriver::kAvailRing);
    harness.write(common::kQueueDriver + 4, 4, 0);
    harness.write(common::kQueueDevice, 4, TestDriver::kUsedRing);
    harness.write(common::kQueueDevice + 4, 4, 0);
    EXPECT_EQ(harness.read(common::kQueueDesc, 4), TestDriver::kDescTable);
    EXPECT_EQ(harness.read(common::kQueueDriver, 4), TestDriver::kAvailRing);
    EXPECT_EQ(harness.read(common::kQueueDevice, 4), TestDriver::kUsedRing);
    EXPECT_EQ(harness.read(common::kQueueDevice + 4, 4), 0u);
    uint64_t notify_off = harness.read(common::kQueueNotifyOff, 2);
    EXPECT_EQ(notify_off, 0u);
    harness.write(common::kQueueMsixVector, 2, kQueueVector);
    EXPECT_EQ(harness.read(common::kQueueMsixVector, 2), kQueueVector);
    harness.write(common::kQueueEnable, 2, 1);
    EXPECT_EQ(harness.read(common::kQueueEnable, 2), 1u);
    EXPECT_FALSE(harness.rng->active());

    // virtio_device_ready().
    harness.add_status(status::kDriverOk);
    EXPECT_EQ(harness.status(),
              status::kAcknowledge | status::kDriver | status::kFeaturesOk | status::kDriverOk);
    EXPECT_TRUE(harness.rng->active());
    harness.run_loop();  // The device looks at the ring once on activation; it is empty.
    EXPECT_TRUE(harness.msi->triggers.empty());

    // One request, kicked by a write of the queue index to the notify address.
    uint64_t buffer = harness.driver.allocate(64);
    uint16_t head = harness.driver.post({{buffer, 64, true}});
    harness.write(notify_cap->offset + notify_off * notify_cap->notify_multiplier, 2, 0);
    EXPECT_EQ(harness.driver.used_idx(), 0);  // Served on the loop, not on the vCPU.
    ASSERT_TRUE(harness.loop->run_once(0).has_value());

    EXPECT_EQ(harness.driver.used_idx(), 1);
    EXPECT_EQ(harness.driver.used_elem(0).id, head);
    EXPECT_EQ(harness.driver.used_elem(0).len, 64u);
    auto bytes = harness.driver.bytes(buffer, 64);
    EXPECT_FALSE(std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; }));
    EXPECT_EQ(harness.msi->take_triggers(), (std::vector<uint16_t>{kQueueVector}));
    // The MSI-X entry Linux programmed is what KVM was told to route.
    ASSERT_TRUE(harness.msi->routes.contains(kQueueVector));
    EXPECT_EQ(harness.msi->routes[kQueueVector],
              (pci::MsiMessage{VirtioPciHarness::kMsiAddress, 0x40u + kQueueVector}));
    EXPECT_FALSE(harness.rng->broken());
}

TEST(VirtioPciInit, RequestsPostedBeforeDriverOkAreServedOnActivation) {
    VirtioPciHarness harness(kQueueSize);
    harness.enable_device();
    harness.enable_msix();
    harness.set_status(0);
    harness.add_status(status::kAcknowledge | status::kDriver);
    harness.set_driver_features(VirtioPciHarness::kAllFeatures);
    harness.add_status(status::kFeaturesOk);
    harness.setup_queue();
    harness.driver.post({{harness.driver.allocate(32), 32, true}});
    harness.add_status(status::kDriverOk);
    harness.run_loop();
    EXPECT_EQ(harness.driver.used_idx(), 1);
    EXPECT_EQ(harness.msi->trigger_count(kQueueVector), 1);
}

TEST(VirtioPciInit, ManyRequestsAcrossTheRingWrapAreAllServed) {
    VirtioPciHarness harness(kQueueSize);
    harness.enable_device();
    harness.enable_msix();
    ASSERT_EQ(harness.initialise() & status::kNeedsReset, 0);
    harness.run_loop();
    for (int i = 0; i < 3 * kQueueSize; ++i) {
        harness.driver.post({{harness.driver.allocate(8), 8, true}});
        harness.notify();
        harness.run_loop();
    }
    EXPECT_EQ(harness.driver.used_idx(), 3 * kQueueSize);
    EXPECT_EQ(harness.rng->metrics().requests, 3u * kQueueSize);
    EXPECT_FALSE(harness.rng->broken());
}

TEST(VirtioPciInit, NotifyForAQueueThatDoesNotExistIsIgnored) {
    VirtioPciHarness harness(kQueueSize);
    harness.enable_device();
    harness.enable_msix();
    ASSERT_EQ(harness.initialise() & status::kNeedsReset, 0);
    harness.run_loop();
    harness.driver.post({{harness.driver.allocate(8), 8, true}});
    harness.write(VirtioPciDevice::kNotifyOffset + 4, 2, 1);  // Queue 1's slot: no such queue.
    harness.write(VirtioPciDevice::kNotifyOffset + 0xffc, 4, 0);
    harness.run_loop();
    EXPECT_EQ(harness.driver.used_idx(), 0);
    harness.notify(0);
    harness.run_loop();
    EXPECT_EQ(harness.driver.used_idx(), 1);
}

TEST(VirtioPciInit, IsrReportsQueueInterruptsAndClearsOnRead) {
    VirtioPciHarness harness(kQueueSize);
    harness.enable_device();
    harness.enable_msix();
    ASSERT_EQ(harness.initialise() & status::kNeedsReset, 0);
    harness.run_loop();
    EXPECT_EQ(harness.read(VirtioPciDevice::kIsrOffset, 1), 0u);
    harness.driver.post({{harness.driver.allocate(8), 8, true}});
    harness.notify();
    harness.run_loop();
    EXPECT_EQ(harness.read(VirtioPciDevice::kIsrOffset, 1), 1u);
    EXPECT_EQ(harness.read(VirtioPciDevice::kIsrOffset, 1), 0u);
    harness.write(VirtioPciDevice::kIsrOffset, 1, 0xff);  // Read-only.
    EXPECT_EQ(harness.read(VirtioPciDevice::kIsrOffset, 1), 0u);
}

TEST(VirtioPciInit, DeviceConfigurationOfTheEntropyDeviceIsEmpty) {
    VirtioPciHarness harness(kQueueSize);
    harness.enable_device();
    EXPECT_EQ(harness.read(VirtioPciDevice::kDeviceConfigOffset, 4), 0u);
    harness.write(VirtioPciDevice::kDeviceConfigOffset, 4, 0xffffffff);
    EXPECT_EQ(harness.read(VirtioPciDevice::kDeviceConfigOffset, 8), 0u);
}

}  // namespace
}  // namespace zapotec::virtio
