// Tests of DISCARD and WRITE_ZEROES: the segments are hostile input, and valid ones leave
// zeroes on the image.
#include <gtest/gtest.h>

#include <cstring>

#include "block_fixture.hpp"
#include "devices/virtio/block/discard.hpp"

namespace zapotec::virtio {
namespace {

using testing::image_byte;
using testing::PostedRequest;

constexpr auto kOk = static_cast<uint8_t>(RequestStatus::Ok);
constexpr auto kIoError = static_cast<uint8_t>(RequestStatus::IoError);
constexpr auto kUnsupported = static_cast<uint8_t>(RequestStatus::Unsupported);

class BlockDiscardTest : public testing::BlockTest {
  protected:
    static constexpr uint64_t kDiscardFeatures =
        kFeatures | kBlockFeatureDiscard | kBlockFeatureWriteZeroes;

    // Posts a request whose data buffer holds `segments` (device-readable).
    PostedRequest post_segments(RequestType type, const std::vector<DiscardSegment>& segments) {
        auto length = static_cast<uint32_t>(segments.size() * sizeof(DiscardSegment));
        auto posted = post_indirect(type, 0, length, false);
        if (length > 0)
            std::memcpy(driver_.bytes(posted.data, length).data(), segments.data(), length);
        return posted;
    }

    bool zeroes_at(uint64_t offset, size_t length) {
        auto bytes = read_image(offset, length);
        return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
    }
    bool original_at(uint64_t offset, size_t length) {
        auto bytes = read_image(offset, length);
        for (size_t i = 0; i < length; ++i) {
            if (bytes[i] != image_byte(offset + i))
                return false;
        }
        return true;
    }
};

TEST_F(BlockDiscardTest, OffersDiscardAndWriteZeroesOnWritableFiles) {
    ASSERT_TRUE(start(false, kDiscardFeatures));
    EXPECT_TRUE(device_->device_features() & kBlockFeatureDiscard);
    EXPECT_TRUE(device_->device_features() & kBlockFeatureWriteZeroes);
    BlockConfigSpace space{};
    device_->read_config(0, std::span(reinterpret_cast<uint8_t*>(&space), sizeof(space)));
    EXPECT_EQ(space.max_discard_sectors, kMaxDiscardSectors);
    EXPECT_EQ(space.max_discard_seg, kMaxDiscardSegments);
    EXPECT_EQ(space.max_write_zeroes_seg, kMaxDiscardSegments);
    EXPECT_EQ(space.write_zeroes_may_unmap, 1);
}

TEST_F(BlockDiscardTest, NotOfferedOnReadOnlyDrives) {
    ASSERT_TRUE(start(true, kFeatures));
    EXPECT_FALSE(device_->device_features() & kBlockFeatureDiscard);
    EXPECT_FALSE(device_->device_features() & kBlockFeatureWriteZeroes);
    auto posted = post_segments(RequestType::Discard, {{0, 8, 0}});
    process();
    EXPECT_EQ(status(posted), kUnsupported);
    EXPECT_TRUE(original_at(0, 4096));
}

TEST_F(BlockDiscardTest, DiscardAndWriteZeroesLeaveZeroes) {
    ASSERT_TRUE(start(false, kDiscardFeatures));
    auto discard = post_segments(RequestType::Discard, {{8, 8, 0}, {32, 1, 0}});
    auto zeroes =
        post_segments(RequestType::WriteZeroes, {{64, 16, 0}, {100, 4, kDiscardFlagUnmap}});
    process();
    EXPECT_EQ(status(discard), kOk);
    EXPECT_EQ(status(zeroes), kOk);
    EXPECT_TRUE(original_at(0, 8 * 512));
    EXPECT_TRUE(zeroes_at(8 * 512, 8 * 512));
    EXPECT_TRUE(original_at(16 * 512, 16 * 512));
    EXPECT_TRUE(zeroes_at(32 * 512, 512));
    EXPECT_TRUE(original_at(33 * 512, 512));
    EXPECT_TRUE(zeroes_at(64 * 512, 16 * 512));
    EXPECT_TRUE(original_at(80 * 512, 20 * 512));
    EXPECT_TRUE(zeroes_at(100 * 512, 4 * 512));
    EXPECT_TRUE(original_at(104 * 512, 512));
    EXPECT_EQ(device_->metrics().discards, 2u);
}

TEST_F(BlockDiscardTest, HostileSegmentsAreRefused) {
    ASSERT_TRUE(start(false, kDiscardFeatures));
    uint64_t capacity = kImageSize / 512;
    std::vector<PostedRequest> io_errors = {
        post_segments(RequestType::Discard, {{capacity, 1, 0}}),
        post_segments(RequestType::Discard, {{capacity - 1, 2, 0}}),
        post_segments(RequestType::Discard, {{~0ull - 1, 4, 0}}),
        post_segments(RequestType::WriteZeroes, {{0, kMaxDiscardSectors + 1, 0}}),
        post_segments(RequestType::Discard,
                      std::vector<DiscardSegment>(kMaxDiscardSegments + 1, {0, 1, 0})),
        post_segments(RequestType::Discard, {}),
    };
    std::vector<PostedRequest> unsupported = {
        post_segments(RequestType::Discard, {{0, 1, kDiscardFlagUnmap}}),
        post_segments(RequestType::WriteZeroes, {{0, 1, 2}}),
        post_segments(RequestType::Discard, {{0, 1, 0x80000000}}),
    };
    // A segment cut short (not a multiple of 16 bytes).
    auto cut = post_indirect(RequestType::Discard, 0, 12, false);
    // Segments in a device-writable buffer.
    auto writable = post_indirect(RequestType::Discard, 0, 16, true);
    process();
    for (const auto& posted : io_errors)
        EXPECT_EQ(status(posted), kIoError);
    for (const auto& posted : unsupported)
        EXPECT_EQ(status(posted), kUnsupported);
    EXPECT_EQ(status(cut), kIoError);
    EXPECT_EQ(status(writable), kIoError);
    EXPECT_FALSE(device_->broken());
    EXPECT_TRUE(original_at(0, kImageSize));
    EXPECT_EQ(device_->metrics().discards, 0u);
}

TEST_F(BlockDiscardTest, SegmentsMaySpanBuffers) {
    ASSERT_TRUE(start(false, kDiscardFeatures));
    DiscardSegment segment{4, 2, 0};
    uint64_t header = driver_.allocate(16);
    write_header(header, static_cast<uint32_t>(RequestType::Discard), 0);
    uint64_t part1 = driver_.allocate(5);
    uint64_t part2 = driver_.allocate(11);
    std::memcpy(driver_.bytes(part1, 5).data(), &segment, 5);
    std::memcpy(driver_.bytes(part2, 11).data(), reinterpret_cast<uint8_t*>(&segment) + 5, 11);
    uint64_t status_byte = driver_.allocate(1);
    driver_.post(
        {{header, 16, false}, {part1, 5, false}, {part2, 11, false}, {status_byte, 1, true}});
    process();
    EXPECT_EQ(driver_.bytes(status_byte, 1)[0], kOk);
    EXPECT_TRUE(zeroes_at(4 * 512, 2 * 512));
    EXPECT_TRUE(original_at(6 * 512, 512));
}

}  // namespace
}  // namespace zapotec::virtio
