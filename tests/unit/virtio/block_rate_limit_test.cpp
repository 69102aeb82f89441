// Tests of rate limiting on the block and entropy devices: throttled requests wait for the
// limiter's timer on the event loop, and the metrics count what happened.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "block_fixture.hpp"
#include "devices/virtio/rng/rng_device.hpp"

namespace zapotec::virtio {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kOk = static_cast<uint8_t>(RequestStatus::Ok);

class MapSink : public MetricSink {
  public:
    void counter(std::string_view name, uint64_t value) override {
        values[std::string(name)] = value;
    }
    std::map<std::string, uint64_t> values;
};

RateLimiterConfig bandwidth(uint64_t size, uint64_t refill_ms) {
    RateLimiterConfig config;
    config.bandwidth = TokenBucketConfig{size, std::nullopt, refill_ms};
    return config;
}

RateLimiterConfig ops(uint64_t size, uint64_t refill_ms) {
    RateLimiterConfig config;
    config.ops = TokenBucketConfig{size, std::nullopt, refill_ms};
    return config;
}

class BlockRateLimitTest : public testing::BlockTest {
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

    bool start_limited(std::optional<RateLimiterConfig> limits,
                       BlockIoEngine engine = BlockIoEngine::Sync) {
        BlockConfig config;
        config.drive_id = "rootfs";
        config.path = image_.path();
        config.io_engine = engine;
        config.rate_limiter = limits;
        return start_with(config, kFeatures, loop_.get());
    }

    // Runs the loop for about `duration`.
    void run_for(std::chrono::milliseconds duration) {
        auto deadline = Clock::now() + duration;
        while (Clock::now() < deadline)
            ASSERT_TRUE(loop_->run_once(5).has_value());
    }
    // Runs the loop until `count` chains are used; returns how long that took.
    Clock::duration run_until(uint16_t count, std::chrono::milliseconds limit) {
        auto start = Clock::now();
        while (driver_.used_idx() < count && Clock::now() - start < limit)
            EXPECT_TRUE(loop_->run_once(5).has_value());
        return Clock::now() - start;
    }

    std::unique_ptr<EventLoop> loop_;
};

TEST_F(BlockRateLimitTest, BandwidthLimitDelaysRequestsUntilTheTimerFires) {
    // 4 KiB per 100 ms: the first 4 KiB request goes through at once, then one per refill.
    ASSERT_TRUE(start_limited(bandwidth(4096, 100)));
    std::vector<testing::PostedRequest> reads;
    for (int i = 0; i < 10; ++i)
        reads.push_back(post_indirect(RequestType::In, static_cast<uint64_t>(i) * 8, 4096, true));
    run_for(std::chrono::milliseconds(30));
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(status(reads[0]), kOk);
    EXPECT_EQ(status(reads[1]), 0xff);
    EXPECT_GE(device_->metrics().throttled, 1u);

    auto took = run_until(10, std::chrono::seconds(3));
    EXPECT_EQ(driver_.used_idx(), 10);
    // Nine more refills of 100 ms each (less the 30 ms already waited, with some slack).
    EXPECT_GE(took, std::chrono::milliseconds(700));
    for (const auto& read : reads)
        EXPECT_EQ(status(read), kOk);
    EXPECT_EQ(device_->metrics().read_ops, 10u);
    EXPECT_FALSE(device_->broken());
}

TEST_F(BlockRateLimitTest, OpsLimitCountsFlushesAndGetId) {
    ASSERT_TRUE(start_limited(ops(2, 100)));
    auto flush = post(RequestType::Flush, 0, 0, false);
    auto id = post(RequestType::GetId, 0, 20, true);
    auto read = post(RequestType::In, 0, 512, true);
    run_for(std::chrono::milliseconds(30));
    EXPECT_EQ(driver_.used_idx(), 2);
    EXPECT_EQ(status(flush), kOk);
    EXPECT_EQ(status(id), kOk);
    EXPECT_EQ(status(read), 0xff);
    run_until(3, std::chrono::seconds(2));
    EXPECT_EQ(status(read), kOk);
}

TEST_F(BlockRateLimitTest, AsyncEngineIsLimitedToo) {
    ASSERT_TRUE(start_limited(ops(1, 50), BlockIoEngine::ThreadPool));
    for (int i = 0; i < 3; ++i)
        post_indirect(RequestType::In, static_cast<uint64_t>(i), 512, true);
    run_for(std::chrono::milliseconds(20));
    EXPECT_EQ(driver_.used_idx(), 1);
    run_until(3, std::chrono::seconds(2));
    EXPECT_EQ(driver_.used_idx(), 3);
}

TEST_F(BlockRateLimitTest, UpdateLiftsTheLimit) {
    ASSERT_TRUE(start_limited(ops(1, 10000)));
    for (int i = 0; i < 4; ++i)
        post_indirect(RequestType::In, static_cast<uint64_t>(i), 512, true);
    run_for(std::chrono::milliseconds(20));
    EXPECT_EQ(driver_.used_idx(), 1);
    ASSERT_TRUE(device_->update_rate_limiter(ops(100, 100)).has_value());
    run_until(4, std::chrono::seconds(1));
    EXPECT_EQ(driver_.used_idx(), 4);
}

TEST_F(BlockRateLimitTest, MetricsReportCounters) {
    ASSERT_TRUE(start_limited(std::nullopt));
    post(RequestType::In, 0, 1024, true);
    post(RequestType::Out, 4, 512, false);
    post(RequestType::Flush, 0, 0, false);
    post(RequestType::In, 1u << 20, 512, true);  // Beyond the disk: an error.
    run_until(4, std::chrono::seconds(1));
    MapSink sink;
    device_->collect_metrics(sink);
    EXPECT_EQ(sink.values["read_bytes"], 1024u);
    EXPECT_EQ(sink.values["write_bytes"], 512u);
    EXPECT_EQ(sink.values["read_ops"], 1u);
    EXPECT_EQ(sink.values["write_ops"], 1u);
    EXPECT_EQ(sink.values["flushes"], 1u);
    EXPECT_EQ(sink.values["discards"], 0u);
    EXPECT_EQ(sink.values["errors"], 1u);
    EXPECT_EQ(sink.values["throttled"], 0u);
    EXPECT_EQ(sink.values["in_flight"], 0u);
}

TEST_F(BlockRateLimitTest, SwapBackingFileAnnouncesTheNewCapacity) {
    ASSERT_TRUE(start_limited(std::nullopt, BlockIoEngine::Uring));
    testing::TempFile bigger(std::vector<uint8_t>(128 * 1024, 0x5a));
    ASSERT_TRUE(device_->swap_backing_file(bigger.path()).has_value());
    EXPECT_EQ(device_->capacity(), 256u);
    EXPECT_EQ(interrupt_->config_signals, 1);
    uint64_t capacity = 0;
    device_->read_config(0, std::span(reinterpret_cast<uint8_t*>(&capacity), 8));
    EXPECT_EQ(capacity, 256u);
    auto read = post(RequestType::In, 200, 512, true);
    run_until(1, std::chrono::seconds(1));
    EXPECT_EQ(status(read), kOk);
    EXPECT_EQ(driver_.bytes(read.data, 1)[0], 0x5a);
    EXPECT_FALSE(device_->swap_backing_file("/nonexistent/zapotec-image").has_value());
    EXPECT_EQ(device_->capacity(), 256u);
}

TEST(RngRateLimit, BytesAreLimited) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.has_value());
    RngConfig config;
    config.rate_limiter = bandwidth(64, 100);
    auto device = RngDevice::create(config);
    ASSERT_TRUE(device.has_value()) << device.error().message();
    testing::TestDriver driver;
    auto interrupt = std::make_shared<testing::CountingInterrupt>();
    ASSERT_TRUE((*device)->activate(driver.activation(interrupt, kFeatureVersion1, loop->get())));
    for (int i = 0; i < 3; ++i)
        driver.post({{driver.allocate(64), 64, true}});
    auto start = Clock::now();
    while (Clock::now() - start < std::chrono::milliseconds(30))
        ASSERT_TRUE((*loop)->run_once(5).has_value());
    EXPECT_EQ(driver.used_idx(), 1);
    while (driver.used_idx() < 3 && Clock::now() - start < std::chrono::seconds(2))
        ASSERT_TRUE((*loop)->run_once(5).has_value());
    EXPECT_EQ(driver.used_idx(), 3);
    MapSink sink;
    (*device)->collect_metrics(sink);
    EXPECT_EQ(sink.values["requests"], 3u);
    EXPECT_EQ(sink.values["bytes"], 192u);
    EXPECT_GE(sink.values["throttled"], 1u);
    EXPECT_EQ(sink.values["errors"], 0u);
    (*device)->reset();
}

}  // namespace
}  // namespace zapotec::virtio
