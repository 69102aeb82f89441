// Tests of the transport's status state machine and its refusals: feature negotiation,
// activation failures (DEVICE_NEEDS_RESET), queue registers frozen by DRIVER_OK, and reset
// back to a device that can be brought up again.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "../base/captured_log.hpp"
#include "base/log_limiter.hpp"
#include "virtio_pci_harness.hpp"

namespace zapotec::virtio {
namespace {

using testing::TestDriver;
using testing::VirtioPciHarness;
namespace common = testing::common;

constexpr uint16_t kQueueSize = 16;
constexpr uint16_t kConfigVector = VirtioPciHarness::kConfigVector;
constexpr uint16_t kQueueVector = VirtioPciHarness::kQueueVector;
constexpr uint8_t kUpToDriver = status::kAcknowledge | status::kDriver;

class VirtioPciStatusTest : public ::testing::Test {
  protected:
    void SetUp() override {
        harness.enable_device();
        harness.enable_msix();
    }
    // Reset, ACKNOWLEDGE, DRIVER, driver features, then FEATURES_OK; returns the status.
    uint8_t negotiate(uint64_t features) {
        harness.set_status(0);
        harness.add_status(kUpToDriver);
        harness.set_driver_features(features);
        harness.add_status(status::kFeaturesOk);
        return harness.status();
    }
    // Posts one 16-byte request, kicks the queue and runs the loop; true if it completed.
    bool serve_one_request() {
        uint16_t before = harness.driver.used_idx();
        harness.driver.post({{harness.driver.allocate(16), 16, true}});
        harness.notify();
        harness.run_loop();
        return harness.driver.used_idx() == static_cast<uint16_t>(before + 1);
    }

    VirtioPciHarness harness{kQueueSize};
};

TEST_F(VirtioPciStatusTest, FeaturesOkIsRefusedWithoutVersion1) {
    uint8_t got = negotiate(kFeatureRingEventIdx);
    EXPECT_EQ(got, kUpToDriver);
    EXPECT_EQ(got & status::kFeaturesOk, 0);
}

TEST_F(VirtioPciStatusTest, FeaturesOkIsRefusedWithFeaturesTheDeviceDidNotOffer) {
    EXPECT_EQ(negotiate(kFeatureVersion1 | 1ull << 40), kUpToDriver);
    EXPECT_EQ(negotiate(kFeatureVersion1 | kFeatureAccessPlatform), kUpToDriver);
    EXPECT_EQ(negotiate(kFeatureVersion1 | 1), kUpToDriver);
    // The subset the device does offer is fine.
    EXPECT_EQ(negotiate(kFeatureVersion1), kUpToDriver | status::kFeaturesOk);
}

TEST_F(VirtioPciStatusTest, DriverOkAfterRefusedFeaturesNeverActivatesTheDevice) {
    ASSERT_EQ(negotiate(kFeatureVersion1 | 1ull << 40), kUpToDriver);
    harness.setup_queue();
    harness.add_status(status::kDriverOk);
    EXPECT_FALSE(harness.rng->active());
    EXPECT_EQ(harness.status() & status::kNeedsReset, status::kNeedsReset);
}

TEST_F(VirtioPciStatusTest, DriverFeaturesAreFrozenOnceFeaturesOkIsSet) {
    ASSERT_EQ(negotiate(kFeatureVersion1), kUpToDriver | status::kFeaturesOk);
    harness.set_driver_features(VirtioPciHarness::kAllFeatures);
    harness.write(common::kDriverFeatureSelect, 4, 0);
    EXPECT_EQ(harness.read(common::kDriverFeature, 4), 0u);
    harness.write(common::kDriverFeatureSelect, 4, 1);
    EXPECT_EQ(harness.read(common::kDriverFeature, 4), 1u);  // VERSION_1 only.
}

TEST_F(VirtioPciStatusTest, FeatureWindowsBeyondTheSecondReadZero) {
    harness.write(common::kDeviceFeatureSelect, 4, 2);
    EXPECT_EQ(harness.read(common::kDeviceFeature, 4), 0u);
    harness.write(common::kDeviceFeatureSelect, 4, 0xffffffff);
    EXPECT_EQ(harness.read(common::kDeviceFeatureSelect, 4), 0xffffffffu);
    EXPECT_EQ(harness.read(common::kDeviceFeature, 4), 0u);
    harness.write(common::kDriverFeatureSelect, 4, 7);
    harness.write(common::kDriverFeature, 4, 0xffffffff);  // Goes nowhere.
    harness.write(common::kDriverFeatureSelect, 4, 0);
    EXPECT_EQ(harness.read(common::kDriverFeature, 4), 0u);
}

TEST_F(VirtioPciStatusTest, DriverOkWithRingsOutsideGuestMemoryNeedsReset) {
    ASSERT_EQ(negotiate(VirtioPciHarness::kAllFeatures) & status::kFeaturesOk, status::kFeaturesOk);
    harness.write(common::kConfigMsixVector, 2, kConfigVector);
    harness.setup_queue();
    // The used ring is moved past the end of the 1 MiB of guest memory.
    harness.write(common::kQueueDevice, 4, TestDriver::kMemorySize);
    harness.add_status(status::kDriverOk);

    EXPECT_EQ(harness.status() & status::kNeedsReset, status::kNeedsReset);
    EXPECT_FALSE(harness.rng->active());
    // The driver hears about it through the configuration vector and the ISR's config bit.
    EXPECT_EQ(harness.msi->take_triggers(), (std::vector<uint16_t>{kConfigVector}));
    EXPECT_EQ(harness.read(VirtioPciDevice::kIsrOffset, 1), 2u);
    // Nothing is served.
    EXPECT_FALSE(serve_one_request());
}

TEST_F(VirtioPciStatusTest, OnlyTheDeviceSetsOrClearsNeedsReset) {
    ASSERT_EQ(negotiate(VirtioPciHarness::kAllFeatures) & status::kFeaturesOk, status::kFeaturesOk);
    harness.set_status(kUpToDriver | status::kFeaturesOk | status::kNeedsReset);
    EXPECT_EQ(harness.status() & status::kNeedsReset, 0);  // Not the driver's to raise.

    harness.setup_queue();
    harness.write(common::kQueueDevice, 4, TestDriver::kMemorySize);
    harness.add_status(status::kDriverOk);
    ASSERT_EQ(harness.status() & status::kNeedsReset, status::kNeedsReset);
    // Rewriting the status without the bit must not make a dead device look alive.
    harness.set_status(kUpToDriver | status::kFeaturesOk | status::kDriverOk);
    EXPECT_EQ(harness.status() & status::kNeedsReset, status::kNeedsReset);
    EXPECT_FALSE(harness.rng->active());
    // Only a reset clears it.
    harness.set_status(0);
    EXPECT_EQ(harness.status(), 0);
}

TEST_F(VirtioPciStatusTest, DriverOkWithABadQueueSizeNeedsReset) {
    ASSERT_EQ(negotiate(VirtioPciHarness::kAllFeatures) & status::kFeaturesOk, status::kFeaturesOk);
    harness.setup_queue();
    harness.write(common::kQueueSize, 2, 12);  // Not a power of two.
    harness.add_status(status::kDriverOk);
    EXPECT_EQ(harness.status() & status::kNeedsReset, status::kNeedsReset);
    EXPECT_FALSE(harness.rng->active());
}

TEST_F(VirtioPciStatusTest, DriverOkWithMisalignedRingsNeedsReset) {
    ASSERT_EQ(negotiate(VirtioPciHarness::kAllFeatures) & status::kFeaturesOk, status::kFeaturesOk);
    harness.setup_queue();
    harness.write(common::kQueueDesc, 4, TestDriver::kDescTable + 8);
    harness.add_status(status::kDriverOk);
    EXPECT_EQ(harness.status() & status::kNeedsReset, status::kNeedsReset);
}

TEST_F(VirtioPciStatusTest, DriverOkWithoutFeaturesOkNeedsReset) {
    // A driver that skips FEATURES_OK altogether: the device must not claim to be running.
    harness.set_status(0);
    harness.add_status(kUpToDriver);
    harness.set_driver_features(kFeatureVersion1);
    harness.setup_queue();
    harness.add_status(status::kDriverOk);
    EXPECT_FALSE(harness.rng->active());
    EXPECT_EQ(harness.status() & status::kNeedsReset, status::kNeedsReset);
    EXPECT_FALSE(serve_one_request());
}

TEST_F(VirtioPciStatusTest, FeaturesOkAndDriverOkInOneWriteBringTheDeviceUp) {
    harness.set_status(0);
    harness.add_status(kUpToDriver);
    harness.set_driver_features(VirtioPciHarness::kAllFeatures);
    harness.write(common::kConfigMsixVector, 2, kConfigVector);
    harness.setup_queue();
    harness.set_status(kUpToDriver | status::kFeaturesOk | status::kDriverOk);
    uint8_t got = harness.status();
    // Either the device runs, or it says it needs a reset; never DRIVER_OK on a dead device.
    ASSERT_EQ(got & status::kNeedsReset, 0);
    EXPECT_EQ(got, kUpToDriver | status::kFeaturesOk | status::kDriverOk);
    EXPECT_TRUE(harness.rng->active());
    EXPECT_TRUE(serve_one_request());
}

TEST_F(VirtioPciStatusTest, RefusedFeaturesInTheSameWriteAsDriverOkNeedReset) {
    harness.set_status(0);
    harness.add_status(kUpToDriver);
    harness.set_driver_features(kFeatureVersion1 | 1ull << 40);
    harness.setup_queue();
    harness.set_status(kUpToDriver | status::kFeaturesOk | status::kDriverOk);
    uint8_t got = harness.status();
    EXPECT_EQ(got & status::kFeaturesOk, 0);
    EXPECT_EQ(got & status::kNeedsReset, status::kNeedsReset);
    EXPECT_FALSE(harness.rng->active());
}

TEST_F(VirtioPciStatusTest, QueueRegistersIgnoreWritesAfterDriverOk) {
    ASSERT_EQ(harness.initialise() & status::kNeedsReset, 0);
    harness.write(common::kQueueSelect, 2, 0);
    harness.write(common::kQueueSize, 2, 8);
    harness.write(common::kQueueDesc, 4, 0x8000);
    harness.write(common::kQueueDesc + 4, 4, 1);
    harness.write(common::kQueueDriver, 4, 0x9000);
    harness.write(common::kQueueDevice, 4, 0xa000);
    harness.write(common::kQueueDevice + 4, 4, 1);
    harness.write(common::kQueueEnable, 2, 0);
    EXPECT_EQ(harness.read(common::kQueueSize, 2), kQueueSize);
    EXPECT_EQ(harness.read(common::kQueueDesc, 4), TestDriver::kDescTable);
    EXPECT_EQ(harness.read(common::kQueueDesc + 4, 4), 0u);
    EXPECT_EQ(harness.read(common::kQueueDriver, 4), TestDriver::kAvailRing);
    EXPECT_EQ(harness.read(common::kQueueDevice, 4), TestDriver::kUsedRing);
    EXPECT_EQ(harness.read(common::kQueueDevice + 4, 4), 0u);
    EXPECT_EQ(harness.read(common::kQueueEnable, 2), 1u);
    // And the running device still uses the rings it was given.
    EXPECT_TRUE(serve_one_request());
}

TEST_F(VirtioPciStatusTest, VectorsBeyondTheTableReadBackAsNoVector) {
    ASSERT_EQ(negotiate(VirtioPciHarness::kAllFeatures) & status::kFeaturesOk, status::kFeaturesOk);
    harness.write(common::kConfigMsixVector, 2, 2);  // Two vectors: 0 and 1.
    EXPECT_EQ(harness.read(common::kConfigMsixVector, 2), kNoVector);
    harness.write(common::kQueueSelect, 2, 0);
    harness.write(common::kQueueMsixVector, 2, 0x7ff);
    EXPECT_EQ(harness.read(common::kQueueMsixVector, 2), kNoVector);
    harness.write(common::kQueueMsixVector, 2, 1);
    EXPECT_EQ(harness.read(common::kQueueMsixVector, 2), 1u);
    harness.write(common::kQueueMsixVector, 2, kNoVector);
    EXPECT_EQ(harness.read(common::kQueueMsixVector, 2), kNoVector);
}

TEST_F(VirtioPciStatusTest, QueueWithNoVectorCompletesWithoutAnInterrupt) {
    harness.set_status(0);
    harness.add_status(kUpToDriver);
    harness.set_driver_features(VirtioPciHarness::kAllFeatures);
    harness.add_status(status::kFeaturesOk);
    harness.setup_queue(kNoVector);
    harness.add_status(status::kDriverOk);
    EXPECT_TRUE(serve_one_request());
    EXPECT_TRUE(harness.msi->triggers.empty());
    EXPECT_EQ(harness.read(VirtioPciDevice::kIsrOffset, 1), 1u);
}

TEST_F(VirtioPciStatusTest, QueueSelectBeyondTheLastQueueReadsAnAbsentQueue) {
    harness.write(common::kQueueSelect, 2, 1);
    EXPECT_EQ(harness.read(common::kQueueSelect, 2), 1u);
    EXPECT_EQ(harness.read(common::kQueueSize, 2), 0u);  // "Unavailable" to Linux.
    EXPECT_EQ(harness.read(common::kQueueMsixVector, 2), kNoVector);
    EXPECT_EQ(harness.read(common::kQueueEnable, 2), 0u);
    harness.write(common::kQueueSize, 2, 8);
    harness.write(common::kQueueEnable, 2, 1);
    harness.write(common::kQueueMsixVector, 2, 1);
    harness.write(common::kQueueDesc, 4, 0x1000);
    EXPECT_EQ(harness.read(common::kQueueSize, 2), 0u);
    EXPECT_EQ(harness.read(common::kQueueDesc, 4), 0u);
    harness.write(common::kQueueSelect, 2, 0);
    EXPECT_EQ(harness.read(common::kQueueSize, 2), RngDevice::kQueueSize);
    EXPECT_EQ(harness.read(common::kQueueMsixVector, 2), kNoVector);
}

TEST_F(VirtioPciStatusTest, ResetReturnsEveryRegisterToItsInitialState) {
    ASSERT_EQ(harness.initialise() & status::kNeedsReset, 0);
    ASSERT_TRUE(serve_one_request());
    harness.write(common::kDeviceFeatureSelect, 4, 1);
    harness.write(common::kQueueSelect, 2, 3);

    harness.set_status(0);
    EXPECT_EQ(harness.status(), 0);
    EXPECT_FALSE(harness.rng->active());
    EXPECT_EQ(harness.read(common::kDeviceFeatureSelect, 4), 0u);
    EXPECT_EQ(harness.read(common::kDriverFeatureSelect, 4), 0u);
    EXPECT_EQ(harness.read(common::kDriverFeature, 4), 0u);
    EXPECT_EQ(harness.read(common::kConfigMsixVector, 2), kNoVector);
    EXPECT_EQ(harness.read(common::kQueueSelect, 2), 0u);
    EXPECT_EQ(harness.read(common::kQueueSize, 2), RngDevice::kQueueSize);
    EXPECT_EQ(harness.read(common::kQueueMsixVector, 2), kNoVector);
    EXPECT_EQ(harness.read(common::kQueueEnable, 2), 0u);
    EXPECT_EQ(harness.read(common::kQueueDesc, 4), 0u);
    EXPECT_EQ(harness.read(common::kQueueDriver, 4), 0u);
    EXPECT_EQ(harness.read(common::kQueueDevice, 4), 0u);
    EXPECT_EQ(harness.read(VirtioPciDevice::kIsrOffset, 1), 0u);
    // Kicks after the reset reach nobody.
    harness.driver.post({{harness.driver.allocate(16), 16, true}});
    harness.notify();
    harness.run_loop();
    EXPECT_EQ(harness.driver.used_idx(), 1);
}

TEST_F(VirtioPciStatusTest, DeviceComesBackUpAfterReset) {
    ASSERT_EQ(harness.initialise() & status::kNeedsReset, 0);
    ASSERT_TRUE(serve_one_request());
    harness.set_status(0);

    // A driver starts from fresh rings after a reset.
    auto rings = harness.driver.bytes(TestDriver::kDescTable,
                                      TestDriver::kDataStart - TestDriver::kDescTable);
    std::fill(rings.begin(), rings.end(), 0);
    harness.driver.set_avail_idx(0);
    harness.msi->take_triggers();

    ASSERT_EQ(harness.initialise(), kUpToDriver | status::kFeaturesOk | status::kDriverOk);
    EXPECT_TRUE(harness.rng->active());
    EXPECT_TRUE(serve_one_request());
    EXPECT_EQ(harness.msi->trigger_count(kQueueVector), 1);
}

TEST_F(VirtioPciStatusTest, ResetClearsNeedsReset) {
    ASSERT_EQ(negotiate(VirtioPciHarness::kAllFeatures) & status::kFeaturesOk, status::kFeaturesOk);
    harness.setup_queue();
    harness.write(common::kQueueDriver, 4, TestDriver::kMemorySize - 2);
    harness.add_status(status::kDriverOk);
    ASSERT_EQ(harness.status() & status::kNeedsReset, status::kNeedsReset);
    EXPECT_EQ(harness.initialise(), kUpToDriver | status::kFeaturesOk | status::kDriverOk);
    EXPECT_TRUE(serve_one_request());
}

TEST_F(VirtioPciStatusTest, CommonConfigAnswersByteReadsFromTheRegisterTheyHit) {
    harness.write(common::kQueueSelect, 2, 0);
    // queue_size is 256 = 0x0100: its bytes one at a time.
    EXPECT_EQ(harness.read(common::kQueueSize, 1), 0x00u);
    EXPECT_EQ(harness.read(common::kQueueSize + 1, 1), 0x01u);
    // A dword read at 0x14 covers device_status, config_generation and queue_select.
    harness.set_status(status::kAcknowledge);
    harness.write(common::kQueueSelect, 2, 0x0302);
    EXPECT_EQ(harness.read(common::kDeviceStatus, 4), 0x0302'0001u);
    // Past the structure: zeros.
    EXPECT_EQ(harness.read(common::kEnd, 4), 0u);
    EXPECT_EQ(harness.read(0xffc, 4), 0u);
}

TEST_F(VirtioPciStatusTest, CommonConfigIgnoresWritesOfTheWrongWidth) {
    harness.write(common::kQueueSelect, 2, 0);
    harness.write(common::kQueueSize, 1, 8);        // Too narrow.
    harness.write(common::kQueueSize, 4, 8);        // Too wide.
    harness.write(common::kQueueSize + 1, 1, 0);    // Not at the register's start.
    harness.write(common::kQueueDesc, 8, 0x1000);   // 64-bit fields take two 32-bit writes.
    harness.write(common::kDeviceStatus, 2, 0x0f);  // device_status is one byte.
    EXPECT_EQ(harness.read(common::kQueueSize, 2), RngDevice::kQueueSize);
    EXPECT_EQ(harness.read(common::kQueueDesc, 4), 0u);
    EXPECT_EQ(harness.status(), 0);
}

TEST_F(VirtioPciStatusTest, NeedsResetRaisedWithMsixDisabledStillShowsInTheIsr) {
    harness.config.write16(VirtioPciHarness::kSlot, harness.msix_cap() + 2, 0);
    ASSERT_EQ(negotiate(VirtioPciHarness::kAllFeatures) & status::kFeaturesOk, status::kFeaturesOk);
    harness.write(common::kConfigMsixVector, 2, kConfigVector);
    harness.setup_queue();
    harness.write(common::kQueueDesc + 4, 4, 0x10);
    harness.add_status(status::kDriverOk);
    EXPECT_EQ(harness.status() & status::kNeedsReset, status::kNeedsReset);
    EXPECT_TRUE(harness.msi->triggers.empty());
    EXPECT_EQ(harness.read(VirtioPciDevice::kIsrOffset, 1), 2u);
}

TEST_F(VirtioPciStatusTest, RepeatedRefusedFeaturesOkLogsABoundedNumberOfLines) {
    zapotec::testing::CapturedLog log;
    for (int i = 0; i < 200; ++i) {
        EXPECT_EQ(negotiate(kFeatureVersion1 | 1ull << 40), kUpToDriver);
        // DRIVER_OK without FEATURES_OK is another warning the driver can repeat.
        harness.add_status(status::kDriverOk);
    }
    EXPECT_LE(log.lines().size(), LogLimiter::kDefaultLimit + 1);
    EXPECT_GE(log.lines().size(), 1u);
    // The device still refuses and recovers as before.
    EXPECT_EQ(negotiate(kFeatureVersion1), kUpToDriver | status::kFeaturesOk);
}

}  // namespace
}  // namespace zapotec::virtio
