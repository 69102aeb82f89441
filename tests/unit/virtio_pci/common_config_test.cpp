// Tests of the common configuration registers on their own: what each guest write asks the
// transport to do, and what the registers read back, without PCI around them.
#include "devices/virtio/pci/common_config.hpp"

#include <gtest/gtest.h>

#include <array>

#include "devices/virtio/virtio_device.hpp"
#include "virtio_pci_harness.hpp"

namespace zapotec::virtio {
namespace {

namespace offsets = testing::common;

constexpr uint64_t kDeviceFeatures = kFeatureVersion1 | kFeatureRingEventIdx | 1;

StatusChange write(CommonConfig& config, uint64_t offset, size_t width, uint64_t value) {
    std::array<uint8_t, 8> bytes{};
    for (size_t i = 0; i < width; ++i)
        bytes[i] = static_cast<uint8_t>(value >> (8 * i));
    return config.write(offset, std::span<const uint8_t>(bytes.data(), width));
}

uint64_t read(const CommonConfig& config, uint64_t offset, size_t width) {
    std::array<uint8_t, 8> bytes{};
    config.read(offset, std::span<uint8_t>(bytes.data(), width));
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i)
        value |= uint64_t{bytes[i]} << (8 * i);
    return value;
}

class CommonConfigTest : public ::testing::Test {
  protected:
    CommonConfig config{kDeviceFeatures, {64, 128}, 3};
};

TEST_F(CommonConfigTest, StartsInTheResetState) {
    EXPECT_EQ(config.status(), 0);
    EXPECT_EQ(read(config, offsets::kNumQueues, 2), 2u);
    EXPECT_EQ(read(config, offsets::kConfigMsixVector, 2), kNoVector);
    EXPECT_EQ(read(config, offsets::kConfigGeneration, 1), 0u);
    write(config, offsets::kQueueSelect, 2, 1);
    EXPECT_EQ(read(config, offsets::kQueueSize, 2), 128u);
    EXPECT_EQ(read(config, offsets::kQueueNotifyOff, 2), 1u);
    EXPECT_EQ(read(config, offsets::kQueueMsixVector, 2), kNoVector);
}

TEST_F(CommonConfigTest, DeviceFeaturesAreReadThroughTheSelectWindow) {
    EXPECT_EQ(read(config, offsets::kDeviceFeature, 4), (kDeviceFeatures & 0xffffffff));
    write(config, offsets::kDeviceFeatureSelect, 4, 1);
    EXPECT_EQ(read(config, offsets::kDeviceFeature, 4), kDeviceFeatures >> 32);
}

TEST_F(CommonConfigTest, StatusWritesReportTheTransitionsTheTransportActsOn) {
    EXPECT_EQ(write(config, offsets::kDeviceStatus, 1, status::kAcknowledge), StatusChange::None);
    EXPECT_EQ(write(config, offsets::kDeviceStatus, 1, status::kAcknowledge | status::kDriver),
              StatusChange::None);
    EXPECT_EQ(config.status(), status::kAcknowledge | status::kDriver);
    // FEATURES_OK is the transport's to grant: the write asks, the bit stays clear.
    EXPECT_EQ(write(config, offsets::kDeviceStatus, 1, 0x0b), StatusChange::FeaturesOk);
    EXPECT_EQ(config.status() & status::kFeaturesOk, 0);
    EXPECT_EQ(write(config, offsets::kDeviceStatus, 1, 0), StatusChange::Reset);
}

TEST_F(CommonConfigTest, OneStatusWriteCanAskForFeaturesOkAndDriverOkTogether) {
    EXPECT_EQ(write(config, offsets::kDeviceStatus, 1, 0x0f), StatusChange::FeaturesOkAndDriverOk);
    // DRIVER_OK is recorded, FEATURES_OK still waits for the transport.
    EXPECT_EQ(config.status(), 0x07);
}

TEST_F(CommonConfigTest, AcceptFeaturesChecksVersion1AndTheOfferedSet) {
    write(config, offsets::kDriverFeatureSelect, 4, 1);
    write(config, offsets::kDriverFeature, 4, 1);  // VERSION_1.
    write(config, offsets::kDriverFeatureSelect, 4, 0);
    write(config, offsets::kDriverFeature, 4, 2);  // Not offered.
    EXPECT_FALSE(config.accept_features());
    write(config, offsets::kDriverFeature, 4, 1);
    EXPECT_TRUE(config.accept_features());
    EXPECT_EQ(config.status() & status::kFeaturesOk, status::kFeaturesOk);
    EXPECT_EQ(config.driver_features(), kFeatureVersion1 | 1);
}

TEST_F(CommonConfigTest, QueueRegistersLockAtDriverOkButVectorsDoNot) {
    write(config, offsets::kQueueSelect, 2, 0);
    write(config, offsets::kQueueSize, 2, 32);
    write(config, offsets::kQueueDesc, 4, 0x1000);
    write(config, offsets::kQueueDesc + 4, 4, 0x2);
    write(config, offsets::kQueueEnable, 2, 1);
    EXPECT_EQ(config.queues()[0].state().desc_table, 0x2'0000'1000u);
    config.set_status_bits(status::kFeaturesOk);
    EXPECT_EQ(write(config, offsets::kDeviceStatus, 1, 0x0f), StatusChange::DriverOk);
    write(config, offsets::kQueueSize, 2, 16);
    write(config, offsets::kQueueDesc, 4, 0x3000);
    write(config, offsets::kQueueMsixVector, 2, 2);
    EXPECT_EQ(config.queues()[0].state().size, 32);
    EXPECT_EQ(config.queues()[0].state().desc_table, 0x2'0000'1000u);
    EXPECT_EQ(config.queue_vector(0), 2);
}

TEST_F(CommonConfigTest, ResetClearsQueuesAndVectors) {
    write(config, offsets::kConfigMsixVector, 2, 0);
    write(config, offsets::kQueueSelect, 2, 1);
    write(config, offsets::kQueueSize, 2, 16);
    write(config, offsets::kQueueMsixVector, 2, 1);
    write(config, offsets::kQueueEnable, 2, 1);
    config.reset();
    EXPECT_EQ(config.config_vector(), kNoVector);
    EXPECT_EQ(config.queue_vector(1), kNoVector);
    EXPECT_EQ(config.queues()[1].state().size, 128);
    EXPECT_FALSE(config.queues()[1].state().ready);
    EXPECT_EQ(config.state().queue_select, 0);
}

TEST_F(CommonConfigTest, EveryByteOfTheStructureReadsFromTheRegisterItBelongsTo) {
    write(config, offsets::kDriverFeatureSelect, 4, 0x04030201);
    write(config, offsets::kQueueSelect, 2, 1);
    // Reading the structure a byte at a time gives the same bytes as whole-register reads.
    for (uint64_t offset = 0; offset < offsets::kEnd; ++offset) {
        // 16-bit registers from config_msix_vector to queue_notify_off, except the two
        // one-byte ones; 32-bit everywhere else.
        size_t width = 4;
        if (offset == offsets::kDeviceStatus || offset == offsets::kConfigGeneration) {
            width = 1;
        } else if (offset >= offsets::kConfigMsixVector && offset < offsets::kQueueDesc) {
            width = 2;
        }
        uint64_t start = offset - offset % width;
        uint64_t whole = read(config, start, width);
        EXPECT_EQ(read(config, offset, 1), (whole >> (8 * (offset - start))) & 0xff)
            << "offset " << offset;
    }
}

}  // namespace
}  // namespace zapotec::virtio
