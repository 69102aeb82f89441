// A block device over a 64 KiB temporary image, activated on a test driver's queue, with
// helpers to post requests the way Linux's virtio-blk driver frames them.
#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>

#include <cstring>
#include <memory>
#include <vector>

#include "counting_interrupt.hpp"
#include "devices/virtio/block/block_device.hpp"
#include "temp_file.hpp"
#include "test_driver.hpp"

namespace zapotec::virtio::testing {

// The byte at `offset` of the test image: varies within and across sectors.
inline uint8_t image_byte(uint64_t offset) {
    return static_cast<uint8_t>(offset * 7 + (offset >> 9));
}

inline std::vector<uint8_t> image_contents(size_t size) {
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = image_byte(i);
    return bytes;
}

// Where a posted request's pieces are in guest memory.
struct PostedRequest {
    uint16_t head = 0;
    uint64_t data = 0;
    uint64_t status = 0;
};

class BlockTest : public ::testing::Test {
  protected:
    static constexpr size_t kImageSize = 64 * 1024;
    static constexpr uint64_t kFeatures =
        kFeatureVersion1 | kFeatureRingEventIdx | kFeatureRingIndirectDesc | kBlockFeatureFlush;

    void SetUp() override { ASSERT_TRUE(image_.ok()); }

    // Creates and activates the device; false (with a test failure) when that fails.
    bool start(bool read_only = false, uint64_t features = kFeatures) {
        BlockConfig config;
        config.drive_id = "rootfs";
        config.path = image_.path();
        config.read_only = read_only;
        return start_with(config, features);
    }

    // Creates the device from `config` and activates it, on `loop` when given.
    bool start_with(const BlockConfig& config, uint64_t features = kFeatures,
                    EventLoop* loop = nullptr) {
        auto device = BlockDevice::create(config);
        EXPECT_TRUE(device.has_value()) << device.error().message();
        if (!device)
            return false;
        device_ = *device;
        auto activated = device_->activate(driver_.activation(interrupt_, features, loop));
        EXPECT_TRUE(activated.has_value()) << activated.error().message();
        return activated.has_value();
    }

    // Posts header, one data buffer of `length` bytes (if any) and a status byte.
    PostedRequest post(RequestType type, uint64_t sector, uint32_t length, bool data_writable) {
        return post_raw(static_cast<uint32_t>(type), sector, length, data_writable);
    }
    PostedRequest post_raw(uint32_t type, uint64_t sector, uint32_t length, bool data_writable) {
        PostedRequest posted;
        uint64_t header = driver_.allocate(16);
        write_header(header, type, sector);
        posted.data = length ? driver_.allocate(length) : 0;
        posted.status = driver_.allocate(1);
        driver_.bytes(posted.status, 1)[0] = 0xff;
        if (length) {
            posted.head = driver_.post({{header, 16, false},
                                        {posted.data, length, data_writable},
                                        {posted.status, 1, true}});
        } else {
            posted.head = driver_.post({{header, 16, false}, {posted.status, 1, true}});
        }
        return posted;
    }

    // Like post(), through an indirect table: one descriptor of the ring per request, so that
    // many requests fit in the test queue at once.
    PostedRequest post_indirect(RequestType type, uint64_t sector, uint32_t length,
                                bool data_writable) {
        PostedRequest posted;
        uint64_t header = driver_.allocate(16);
        write_header(header, static_cast<uint32_t>(type), sector);
        posted.data = length ? driver_.allocate(length) : 0;
        posted.status = driver_.allocate(1);
        driver_.bytes(posted.status, 1)[0] = 0xff;
        std::vector<Buffer> buffers{{header, 16, false}};
        if (length)
            buffers.push_back({posted.data, length, data_writable});
        buffers.push_back({posted.status, 1, true});
        uint64_t table = driver_.allocate(static_cast<uint32_t>(16 * buffers.size()));
        posted.head = driver_.post_indirect(table, buffers);
        return posted;
    }

    void write_header(uint64_t address, uint32_t type, uint64_t sector) {
        RequestHeader header{type, 0, sector};
        ASSERT_TRUE(driver_.memory()->write_obj(GuestAddress(address), header).has_value());
    }

    uint8_t status(const PostedRequest& posted) { return driver_.bytes(posted.status, 1)[0]; }

    std::vector<uint8_t> read_image(uint64_t offset, size_t length) {
        std::vector<uint8_t> bytes(length);
        UniqueFd fd(::open(image_.path().c_str(), O_RDONLY | O_CLOEXEC));
        EXPECT_EQ(::pread(fd.get(), bytes.data(), length, static_cast<off_t>(offset)),
                  static_cast<ssize_t>(length));
        return bytes;
    }

    void process() { device_->process_queue(0); }

    TempFile image_{image_contents(kImageSize)};
    TestDriver driver_{16};
    std::shared_ptr<CountingInterrupt> interrupt_ = std::make_shared<CountingInterrupt>();
    std::shared_ptr<BlockDevice> device_;
};

}  // namespace zapotec::virtio::testing
