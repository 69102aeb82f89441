// End-to-end tests of the block device's I/O engines (io_uring and the thread-pool fallback)
// on a temporary image: requests posted on a virtqueue, completed from a real event loop.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>

#include "block_fixture.hpp"

namespace zapotec::virtio {
namespace {

using testing::image_byte;
using testing::PostedRequest;

constexpr auto kOk = static_cast<uint8_t>(RequestStatus::Ok);
constexpr auto kIoError = static_cast<uint8_t>(RequestStatus::IoError);

class BlockEngineTest : public testing::BlockTest,
                        public ::testing::WithParamInterface<BlockIoEngine> {
  protected:
    void SetUp() override {
        BlockTest::SetUp();
        auto loop = EventLoop::create();
        ASSERT_TRUE(loop.has_value());
        loop_ = std::move(*loop);
    }
    void TearDown() override {
        if (device_)
            device_->reset();
    }

    bool start_async(bool read_only = false) {
        BlockConfig config;
        config.drive_id = "rootfs";
        config.path = image_.path();
        config.read_only = read_only;
        config.io_engine = GetParam();
        return start_with(config, kFeatures, loop_.get());
    }

    // Kicks the queue and runs the loop until `count` chains are used (or two seconds pass).
    void serve_until(uint16_t count) {
        ASSERT_TRUE(driver_.queue_event()->signal().has_value());
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (driver_.used_idx() < count && std::chrono::steady_clock::now() < deadline)
            ASSERT_TRUE(loop_->run_once(10).has_value());
        ASSERT_EQ(driver_.used_idx(), count);
    }

    std::unique_ptr<EventLoop> loop_;
};

TEST_P(BlockEngineTest, WritesReadsBackAndFlushes) {
    ASSERT_TRUE(start_async());
    EXPECT_STREQ(device_->engine_kind(),
                 GetParam() == BlockIoEngine::Uring ? "io_uring" : "thread pool");
    auto write = post(RequestType::Out, 8, 1024, false);
    auto source = driver_.bytes(write.data, 1024);
    for (size_t i = 0; i < source.size(); ++i)
        source[i] = static_cast<uint8_t>(i * 13 + 1);
    serve_until(1);
    EXPECT_EQ(status(write), kOk);
    EXPECT_EQ(driver_.used_elem(0).len, 1u);
    auto on_disk = read_image(8 * 512, 1024);
    EXPECT_TRUE(std::equal(on_disk.begin(), on_disk.end(), source.begin()));

    auto read = post(RequestType::In, 8, 1024, true);
    auto flush = post(RequestType::Flush, 0, 0, false);
    serve_until(3);
    EXPECT_EQ(status(read), kOk);
    EXPECT_EQ(status(flush), kOk);
    auto back = driver_.bytes(read.data, 1024);
    EXPECT_TRUE(std::equal(back.begin(), back.end(), source.begin()));
    EXPECT_EQ(device_->metrics().write_bytes, 1024u);
    EXPECT_EQ(device_->metrics().read_bytes, 1024u);
    EXPECT_EQ(device_->metrics().flushes, 1u);
    EXPECT_EQ(device_->metrics().in_flight, 0u);
    EXPECT_GE(interrupt_->queue_signals, 1);
}

TEST_P(BlockEngineTest, ManyRequestsInFlight) {
    ASSERT_TRUE(start_async());
    std::vector<PostedRequest> reads;
    for (uint16_t i = 0; i < driver_.size(); ++i)
        reads.push_back(post_indirect(RequestType::In, i * 8u, 4096, true));
    serve_until(driver_.size());
    for (size_t r = 0; r < reads.size(); ++r) {
        EXPECT_EQ(status(reads[r]), kOk);
        auto data = driver_.bytes(reads[r].data, 4096);
        for (size_t i = 0; i < data.size(); ++i)
            ASSERT_EQ(data[i], image_byte(r * 4096 + i)) << "request " << r << " byte " << i;
    }
    EXPECT_EQ(device_->metrics().read_ops, driver_.size());
}

TEST_P(BlockEngineTest, ReadPastAShrunkFileIsAnIoError) {
    ASSERT_TRUE(start_async());
    // The image shrinks under the device: the end of the capacity is no longer there.
    ASSERT_EQ(::truncate(image_.path().c_str(), kImageSize - 1024), 0);
    auto tail = post(RequestType::In, kImageSize / 512 - 4, 2048, true);
    serve_until(1);
    EXPECT_EQ(status(tail), kIoError);
    EXPECT_EQ(device_->metrics().errors, 1u);
    // The device keeps working.
    auto head = post(RequestType::In, 0, 512, true);
    serve_until(2);
    EXPECT_EQ(status(head), kOk);
}

TEST_P(BlockEngineTest, DrainCompletesEverythingInFlight) {
    ASSERT_TRUE(start_async());
    for (int i = 0; i < 8; ++i)
        post_indirect(RequestType::In, static_cast<uint64_t>(i), 512, true);
    device_->process_queue(0);
    device_->drain();
    EXPECT_EQ(driver_.used_idx(), 8);
    EXPECT_EQ(device_->metrics().in_flight, 0u);
}

TEST_P(BlockEngineTest, ResetWaitsForRequestsAndDropsTheirCompletions) {
    ASSERT_TRUE(start_async());
    auto read = post(RequestType::In, 0, 4096, true);
    device_->process_queue(0);
    device_->reset();
    EXPECT_EQ(device_->metrics().in_flight, 0u);
    EXPECT_EQ(driver_.used_idx(), 0);
    EXPECT_EQ(status(read), 0xff);  // Not answered: the driver reset the device.
}

INSTANTIATE_TEST_SUITE_P(Engines, BlockEngineTest,
                         ::testing::Values(BlockIoEngine::Uring, BlockIoEngine::ThreadPool),
                         [](const auto& param_info) {
                             return param_info.param == BlockIoEngine::Uring ? "Uring"
                                                                             : "ThreadPool";
                         });

}  // namespace
}  // namespace zapotec::virtio
