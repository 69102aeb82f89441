// Tests of the entropy device: random bytes land in the writable buffers, bounded per request.
#include "devices/virtio/rng/rng_device.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "counting_interrupt.hpp"
#include "test_driver.hpp"

namespace zapotec::virtio {
namespace {

using testing::CountingInterrupt;
using testing::TestDriver;

constexpr uint64_t kFeatures = kFeatureVersion1 | kFeatureRingEventIdx;

bool all_zero(std::span<const uint8_t> bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

TEST(RngDevice, FillsWritableBuffersWithRandomBytes) {
    TestDriver driver;
    auto interrupt = std::make_shared<CountingInterrupt>();
    auto device = RngDevice::create();
    ASSERT_TRUE(device.has_value());
    ASSERT_TRUE((*device)->activate(driver.activation(interrupt, kFeatures)).has_value());

    uint64_t first = driver.allocate(256);
    uint64_t second = driver.allocate(64);
    uint16_t head = driver.post({{first, 256, true}, {second, 64, true}});
    (*device)->process_queue(0);

    EXPECT_EQ(driver.used_idx(), 1);
    EXPECT_EQ(driver.used_elem(0).id, head);
    EXPECT_EQ(driver.used_elem(0).len, 320u);
    // 256 zero bytes from a working generator would be a 2^-2048 event.
    EXPECT_FALSE(all_zero(driver.bytes(first, 256)));
    EXPECT_FALSE(all_zero(driver.bytes(second, 64)));
    EXPECT_EQ(interrupt->queue_signals, 1);
    EXPECT_EQ((*device)->metrics().bytes, 320u);
    EXPECT_EQ((*device)->metrics().requests, 1u);
}

TEST(RngDevice, BoundsBytesPerRequestAndSkipsReadableBuffers) {
    TestDriver driver;
    auto interrupt = std::make_shared<CountingInterrupt>();
    auto device = RngDevice::create({.max_bytes_per_request = 100});
    ASSERT_TRUE(device.has_value());
    ASSERT_TRUE((*device)->activate(driver.activation(interrupt, kFeatures)).has_value());

    uint64_t readable = driver.allocate(32);
    uint64_t big = driver.allocate(64);
    uint64_t rest = driver.allocate(64);
    driver.post({{readable, 32, false}, {big, 64, true}, {rest, 64, true}});
    (*device)->process_queue(0);

    EXPECT_EQ(driver.used_elem(0).len, 100u);
    EXPECT_TRUE(all_zero(driver.bytes(readable, 32)));
    EXPECT_TRUE(all_zero(driver.bytes(rest + 36, 28)));  // Past the 100-byte bound.
    EXPECT_FALSE((*device)->broken());
}

TEST(RngDevice, DescribesItself) {
    auto device = RngDevice::create();
    ASSERT_TRUE(device.has_value());
    EXPECT_EQ((*device)->device_type(), DeviceType::Rng);
    EXPECT_EQ((*device)->queue_max_sizes(), std::vector<uint16_t>{256});
    EXPECT_TRUE((*device)->device_features() & kFeatureVersion1);
    std::array<uint8_t, 4> config{1, 2, 3, 4};
    (*device)->read_config(0, config);
    EXPECT_EQ(config, (std::array<uint8_t, 4>{}));
    EXPECT_FALSE(RngDevice::create({.max_bytes_per_request = 0}).has_value());
}

TEST(RngDevice, LoopingChainBreaksTheDevice) {
    TestDriver driver(8);
    auto interrupt = std::make_shared<CountingInterrupt>();
    auto device = RngDevice::create();
    ASSERT_TRUE(device.has_value());
    ASSERT_TRUE((*device)->activate(driver.activation(interrupt, kFeatures)).has_value());
    driver.set_desc(0, driver.allocate(16), 16, kDescFlagWrite | kDescFlagNext, 0);
    driver.publish(0);
    (*device)->process_queue(0);
    EXPECT_TRUE((*device)->broken());
    EXPECT_EQ(driver.used_idx(), 0);
    EXPECT_EQ((*device)->save().queues.size(), 1u);
}

}  // namespace
}  // namespace zapotec::virtio
