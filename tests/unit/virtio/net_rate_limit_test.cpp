// Tests of the network device's rate limits: a TX limiter delays frames until its timer
// fires on the event loop, an RX limiter holds frames back, and limits change at runtime.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "net_fixture.hpp"

namespace zapotec::virtio {
namespace {

using testing::NetTest;

// `bytes` per `refill_ms`, without a burst.
RateLimiterConfig bandwidth(uint64_t bytes, uint64_t refill_ms) {
    return RateLimiterConfig{TokenBucketConfig{bytes, std::nullopt, refill_ms}, std::nullopt};
}

class NetRateLimitTest : public NetTest {
  protected:
    void post_tx_frame(size_t payload) {
        auto frame = make_frame(payload);
        uint64_t address = driver_.allocate(static_cast<uint32_t>(frame.size()));
        std::memcpy(driver_.bytes(address, frame.size()).data(), frame.data(), frame.size());
        driver_.post({{address, static_cast<uint32_t>(frame.size()), false}});
    }

    // Runs the loop until `done` or about a second has passed.
    template <class Done>
    void run_until(EventLoop& loop, Done done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (!done() && std::chrono::steady_clock::now() < deadline)
            ASSERT_TRUE(loop.run_once(20).has_value());
    }
};

TEST_F(NetRateLimitTest, TxLimiterDelaysFramesUntilItsTimer) {
    EventLoop* loop = make_loop();
    NetConfig config;
    config.tx_rate_limiter = bandwidth(1000, 100);  // 1000 bytes per 100 ms.
    ASSERT_TRUE(start(NetDevice::kTxQueue, kFeatures, config, loop));
    for (int i = 0; i < 3; ++i)
        post_tx_frame(800);
    auto begin = std::chrono::steady_clock::now();
    ASSERT_TRUE(loop->run_once(0).has_value());
    // The first frame fits the bucket; the second waits for the refill.
    EXPECT_EQ(device_->metrics().tx_packets, 1u);
    EXPECT_EQ(device_->metrics().tx_throttled, 1u);
    EXPECT_EQ(driver_.used_idx(), 1);

    run_until(*loop, [&] { return device_->metrics().tx_packets == 3; });
    auto elapsed = std::chrono::steady_clock::now() - begin;
    EXPECT_EQ(device_->metrics().tx_packets, 3u);
    EXPECT_EQ(driver_.used_idx(), 3);
    // Two more frames of 800 bytes need at least 1600 - 200 bytes of refill: 140 ms.
    EXPECT_GE(elapsed, std::chrono::milliseconds(120));
    int received = 0;
    while (receive_from_device())
        ++received;
    EXPECT_EQ(received, 3);
}

TEST_F(NetRateLimitTest, RxLimiterHoldsFramesAndStopsReading) {
    EventLoop* loop = make_loop();
    NetConfig config;
    config.rx_rate_limiter = bandwidth(1000, 100);
    ASSERT_TRUE(start(NetDevice::kRxQueue, kFeatures, config, loop));
    for (int i = 0; i < 3; ++i)
        driver_.post({{driver_.allocate(2048), 2048, true}});
    for (int i = 0; i < 3; ++i)
        send_to_device(make_frame(800));
    ASSERT_TRUE(loop->run_once(0).has_value());
    EXPECT_EQ(device_->metrics().rx_packets, 1u);
    EXPECT_EQ(device_->metrics().rx_throttled, 1u);
    // The throttled frame waits in the device; the backend is not watched meanwhile.
    EXPECT_EQ(device_->backend_interest(), 0u);

    run_until(*loop, [&] { return device_->metrics().rx_packets == 3; });
    EXPECT_EQ(device_->metrics().rx_packets, 3u);
    EXPECT_EQ(driver_.used_idx(), 3);
}

TEST_F(NetRateLimitTest, UpdateAtRuntime) {
    ASSERT_TRUE(start(NetDevice::kTxQueue));
    ASSERT_TRUE(device_->update_rate_limiters(std::nullopt, bandwidth(100, 1000)).has_value());
    post_tx_frame(80);
    post_tx_frame(80);
    device_->process_tx();
    EXPECT_EQ(device_->metrics().tx_packets, 1u);
    EXPECT_EQ(device_->metrics().tx_throttled, 1u);
    ASSERT_TRUE(device_->config().tx_rate_limiter.has_value());
    EXPECT_EQ(device_->config().tx_rate_limiter->bandwidth->size, 100u);
    EXPECT_FALSE(device_->config().rx_rate_limiter.has_value());

    auto bad = device_->update_rate_limiters(bandwidth(100, 0), std::nullopt);
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message().find("rx_rate_limiter.bandwidth"), std::string::npos)
        << bad.error().message();
}

}  // namespace
}  // namespace zapotec::virtio
