// Tests of the block device serving well-formed requests, and of bad requests that get an
// error status while the device keeps working.
#include "devices/virtio/block/block_device.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "block_fixture.hpp"

namespace zapotec::virtio {
namespace {

using testing::BlockTest;
using testing::Buffer;
using testing::image_byte;

constexpr auto kOk = static_cast<uint8_t>(RequestStatus::Ok);
constexpr auto kIoError = static_cast<uint8_t>(RequestStatus::IoError);
constexpr auto kUnsupported = static_cast<uint8_t>(RequestStatus::Unsupported);

TEST_F(BlockTest, ReadsSectorsIntoGuestMemory) {
    ASSERT_TRUE(start());
    auto posted = post(RequestType::In, 3, 1024, true);
    process();
    EXPECT_EQ(status(posted), kOk);
    auto data = driver_.bytes(posted.data, 1024);
    for (size_t i = 0; i < data.size(); ++i)
        ASSERT_EQ(data[i], image_byte(3 * 512 + i)) << "byte " << i;
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used_elem(0).id, posted.head);
    EXPECT_EQ(driver_.used_elem(0).len, 1025u);
    EXPECT_EQ(interrupt_->queue_signals, 1);
    EXPECT_EQ(interrupt_->last_queue, 0);
    EXPECT_EQ(device_->metrics().read_bytes, 1024u);
    EXPECT_EQ(device_->metrics().read_ops, 1u);
    EXPECT_FALSE(device_->broken());
}

TEST_F(BlockTest, WritesReachTheImage) {
    ASSERT_TRUE(start());
    auto posted = post(RequestType::Out, 5, 512, false);
    std::memset(driver_.bytes(posted.data, 512).data(), 0xab, 512);
    process();
    EXPECT_EQ(status(posted), kOk);
    EXPECT_EQ(driver_.used_elem(0).len, 1u);
    EXPECT_EQ(read_image(5 * 512, 512), std::vector<uint8_t>(512, 0xab));
    EXPECT_EQ(read_image(6 * 512, 1)[0], image_byte(6 * 512));  // Its neighbour is intact.
    EXPECT_EQ(device_->metrics().write_bytes, 512u);
    EXPECT_EQ(device_->metrics().write_ops, 1u);
}

TEST_F(BlockTest, WritesThroughWhenTheDriverDidNotAcceptFlush) {
    ASSERT_TRUE(start(/*read_only=*/false, kFeatureVersion1));
    auto posted = post(RequestType::Out, 0, 1024, false);
    std::memset(driver_.bytes(posted.data, 1024).data(), 0x5a, 1024);
    process();
    EXPECT_EQ(status(posted), kOk);
    EXPECT_EQ(read_image(0, 1024), std::vector<uint8_t>(1024, 0x5a));
}

TEST_F(BlockTest, ScattersAcrossBuffersAndIndirectTables) {
    ASSERT_TRUE(start());
    uint64_t header = driver_.allocate(16);
    write_header(header, static_cast<uint32_t>(RequestType::In), 10);
    uint64_t first = driver_.allocate(100);
    uint64_t second = driver_.allocate(924);
    uint64_t status_byte = driver_.allocate(1);
    std::array<Buffer, 4> buffers{
        {{header, 16, false}, {first, 100, true}, {second, 924, true}, {status_byte, 1, true}}};
    driver_.post_indirect(driver_.allocate(64), buffers);
    process();
    EXPECT_EQ(driver_.bytes(status_byte, 1)[0], kOk);
    EXPECT_EQ(driver_.bytes(first, 100)[99], image_byte(10 * 512 + 99));
    EXPECT_EQ(driver_.bytes(second, 924)[0], image_byte(10 * 512 + 100));
    EXPECT_EQ(driver_.bytes(second, 924)[923], image_byte(10 * 512 + 1023));
    EXPECT_EQ(driver_.used_elem(0).len, 1025u);
}

TEST_F(BlockTest, FlushSucceeds) {
    ASSERT_TRUE(start());
    auto posted = post(RequestType::Flush, 0, 0, false);
    process();
    EXPECT_EQ(status(posted), kOk);
    EXPECT_EQ(driver_.used_elem(0).len, 1u);
    EXPECT_EQ(device_->metrics().flushes, 1u);
}

TEST_F(BlockTest, GetIdReturnsTheDriveId) {
    ASSERT_TRUE(start());
    auto posted = post(RequestType::GetId, 0, 20, true);
    std::memset(driver_.bytes(posted.data, 20).data(), 0xee, 20);
    process();
    EXPECT_EQ(status(posted), kOk);
    std::array<uint8_t, 20> expected{'r', 'o', 'o', 't', 'f', 's'};
    auto id = driver_.bytes(posted.data, 20);
    EXPECT_TRUE(std::equal(id.begin(), id.end(), expected.begin()));
    EXPECT_EQ(driver_.used_elem(0).len, 21u);
}

TEST_F(BlockTest, ReadOnlyDriveRefusesWrites) {
    ASSERT_TRUE(start(/*read_only=*/true));
    EXPECT_TRUE(device_->device_features() & kBlockFeatureReadOnly);
    auto write = post(RequestType::Out, 0, 512, false);
    std::memset(driver_.bytes(write.data, 512).data(), 0xab, 512);
    auto read = post(RequestType::In, 0, 512, true);
    process();
    EXPECT_EQ(status(write), kIoError);
    EXPECT_EQ(status(read), kOk);
    EXPECT_EQ(read_image(0, 1)[0], image_byte(0));
    EXPECT_EQ(device_->metrics().errors, 1u);
    EXPECT_FALSE(device_->broken());
}

TEST_F(BlockTest, OutOfRangeSectorsGetAnIoError) {
    ASSERT_TRUE(start());
    uint64_t capacity = device_->capacity();
    ASSERT_EQ(capacity, kImageSize / 512);
    auto past_end = post(RequestType::In, capacity, 512, true);
    auto across_end = post(RequestType::Out, capacity - 1, 1024, false);
    auto overflowing = post(RequestType::In, ~0ull - 1, 1024, true);
    auto last = post(RequestType::In, capacity - 1, 512, true);
    process();
    EXPECT_EQ(status(past_end), kIoError);
    EXPECT_EQ(status(across_end), kIoError);
    EXPECT_EQ(status(overflowing), kIoError);
    EXPECT_EQ(status(last), kOk);
    EXPECT_EQ(driver_.used_idx(), 4);
    EXPECT_EQ(driver_.used_elem(0).len, 1u);
    EXPECT_FALSE(device_->broken());
}

TEST_F(BlockTest, BadRequestsGetAStatusAndTheDeviceGoesOn) {
    ASSERT_TRUE(start());
    auto partial_sector = post(RequestType::In, 0, 100, true);
    auto read_into_readable = post(RequestType::In, 0, 512, false);
    auto discard = post(RequestType::Discard, 0, 16, false);
    auto unknown = post_raw(0xdeadbeef, 0, 0, false);
    auto get_id_without_buffer = post(RequestType::GetId, 0, 0, false);
    auto fine = post(RequestType::In, 1, 512, true);
    process();
    EXPECT_EQ(status(partial_sector), kIoError);
    EXPECT_EQ(status(read_into_readable), kIoError);
    EXPECT_EQ(status(discard), kUnsupported);
    EXPECT_EQ(status(unknown), kUnsupported);
    EXPECT_EQ(status(get_id_without_buffer), kIoError);
    EXPECT_EQ(status(fine), kOk);
    EXPECT_EQ(device_->metrics().errors, 5u);
    EXPECT_FALSE(device_->broken());
}

TEST_F(BlockTest, ConfigSpaceDescribesTheDisk) {
    ASSERT_TRUE(start());
    std::array<uint8_t, 8> capacity{};
    device_->read_config(0, capacity);
    uint64_t sectors;
    std::memcpy(&sectors, capacity.data(), 8);
    EXPECT_EQ(sectors, kImageSize / 512);
    std::array<uint8_t, 4> word{};
    device_->read_config(20, word);
    uint32_t blk_size;
    std::memcpy(&blk_size, word.data(), 4);
    EXPECT_EQ(blk_size, 512u);
    device_->read_config(12, word);
    uint32_t seg_max;
    std::memcpy(&seg_max, word.data(), 4);
    EXPECT_EQ(seg_max, 254u);
    std::array<uint8_t, 8> beyond{1, 1, 1, 1, 1, 1, 1, 1};
    device_->read_config(68, beyond);  // Partly past the end: zeros.
    EXPECT_EQ(beyond, (std::array<uint8_t, 8>{}));
    device_->read_config(~0ull, beyond);
    EXPECT_EQ(beyond, (std::array<uint8_t, 8>{}));
    EXPECT_EQ(device_->device_type(), DeviceType::Block);
    EXPECT_EQ(device_->queue_max_sizes(), std::vector<uint16_t>{256});
    uint64_t features = device_->device_features();
    EXPECT_TRUE(features & kFeatureVersion1);
    EXPECT_TRUE(features & kBlockFeatureFlush);
    EXPECT_FALSE(features & kBlockFeatureReadOnly);
}

TEST_F(BlockTest, SaveCarriesConfigFeaturesAndQueues) {
    ASSERT_TRUE(start());
    post(RequestType::In, 0, 512, true);
    process();
    BlockDevice::State state = device_->save();
    EXPECT_EQ(state.config.drive_id, "rootfs");
    EXPECT_EQ(state.config.path, image_.path());
    EXPECT_EQ(state.acked_features, kFeatures);
    ASSERT_EQ(state.queues.size(), 1u);
    EXPECT_EQ(state.queues[0].next_avail, 1);
    EXPECT_EQ(state.queues[0].next_used, 1);
    EXPECT_TRUE(state.queues[0].event_idx);
}

TEST(BlockDeviceCreate, FailsClearlyOnBadImages) {
    auto missing = BlockDevice::create({"vda", "/nonexistent/zapotec.img", false});
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().message().find("/nonexistent/zapotec.img"), std::string::npos);
    EXPECT_EQ(missing.error().code(), ENOENT);

    testing::TempFile empty({});
    auto empty_device = BlockDevice::create({"vda", empty.path(), false});
    ASSERT_FALSE(empty_device.has_value());
    EXPECT_NE(empty_device.error().message().find(empty.path()), std::string::npos);

    auto directory = BlockDevice::create({"vda", "/tmp", true});
    EXPECT_FALSE(directory.has_value());

    testing::TempFile image(std::vector<uint8_t>(4096));
    auto long_id = BlockDevice::create({std::string(21, 'x'), image.path(), false});
    EXPECT_FALSE(long_id.has_value());
    EXPECT_TRUE(BlockDevice::create({std::string(20, 'x'), image.path(), false}).has_value());
}

TEST(BlockDeviceCreate, RoundsCapacityDownToWholeSectors) {
    testing::TempFile image(std::vector<uint8_t>(512 * 3 + 100));
    auto device = BlockDevice::create({"vda", image.path(), true});
    ASSERT_TRUE(device.has_value());
    EXPECT_EQ((*device)->capacity(), 3u);
    EXPECT_EQ((*device)->name(), "block vda");
}

}  // namespace
}  // namespace zapotec::virtio
