// Tests of virtio-net transmit: each TX chain reaches the backend as one frame, and a full
// backend keeps the frame pending and waits for it to become writable.
#include <gtest/gtest.h>

#include <sys/epoll.h>

#include <cstring>

#include "net_fixture.hpp"

namespace zapotec::virtio {
namespace {

using testing::NetTest;

class NetTxTest : public NetTest {
  protected:
    // Writes `frame` into guest memory and posts it as a chain split at `split`.
    uint16_t post_frame(const std::vector<uint8_t>& frame, size_t split) {
        uint64_t address = driver_.allocate(static_cast<uint32_t>(frame.size()));
        std::memcpy(driver_.bytes(address, frame.size()).data(), frame.data(), frame.size());
        auto first = static_cast<uint32_t>(split);
        auto second = static_cast<uint32_t>(frame.size() - split);
        return driver_.post({{address, first, false}, {address + first, second, false}});
    }
};

TEST_F(NetTxTest, ChainReachesTheBackend) {
    ASSERT_TRUE(start(NetDevice::kTxQueue));
    auto frame = make_frame(300, 5);
    uint16_t head = post_frame(frame, kNetHeaderSize);
    device_->process_tx();

    auto sent = receive_from_device();
    ASSERT_TRUE(sent.has_value());
    EXPECT_EQ(*sent, frame);
    ASSERT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used_elem(0).id, head);
    EXPECT_EQ(driver_.used_elem(0).len, 0u);
    EXPECT_EQ(interrupt_->queue_signals, 1);
    EXPECT_EQ(interrupt_->last_queue, NetDevice::kTxQueue);
    EXPECT_EQ(device_->metrics().tx_packets, 1u);
    EXPECT_EQ(device_->metrics().tx_bytes, 300u);
}

TEST_F(NetTxTest, HeaderSplitAcrossBuffers) {
    ASSERT_TRUE(start(NetDevice::kTxQueue));
    auto frame = make_frame(64, 1);
    frame[0] = kNetHeaderNeedsCsum;
    post_frame(frame, 5);
    device_->process_tx();
    auto sent = receive_from_device();
    ASSERT_TRUE(sent.has_value());
    EXPECT_EQ(*sent, frame);
}

TEST_F(NetTxTest, FullBackendKeepsTheFrameAndWatchesForRoom) {
    EventLoop* loop = make_loop();
    ASSERT_TRUE(start(NetDevice::kTxQueue, kFeatures, {}, loop));
    // With a small send buffer a datagram socket takes a few frames, then answers EAGAIN.
    int small = 4096;
    ASSERT_EQ(::setsockopt(backend_->fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
    constexpr int kFrames = 8;  // Two descriptors each: the whole ring.
    for (int i = 0; i < kFrames; ++i)
        post_frame(make_frame(1500, static_cast<uint8_t>(i)), kNetHeaderSize);
    ASSERT_TRUE(loop->run_once(100).has_value());
    uint64_t sent_first = device_->metrics().tx_packets;
    ASSERT_LT(sent_first, static_cast<uint64_t>(kFrames));
    EXPECT_EQ(driver_.used_idx(), sent_first);
    EXPECT_EQ(device_->backend_interest() & EPOLLOUT, static_cast<uint32_t>(EPOLLOUT));

    // Draining the peer makes room; the loop sends the rest, in order.
    int received = 0;
    for (int round = 0; round < 50 && received < kFrames; ++round) {
        while (auto frame = receive_from_device()) {
            EXPECT_EQ((*frame)[kNetHeaderSize], static_cast<uint8_t>(received));
            ++received;
        }
        ASSERT_TRUE(loop->run_once(20).has_value());
    }
    EXPECT_EQ(received, kFrames);
    EXPECT_EQ(device_->metrics().tx_packets, static_cast<uint64_t>(kFrames));
    EXPECT_EQ(driver_.used_idx(), kFrames);
    EXPECT_EQ(device_->backend_interest() & EPOLLOUT, 0u);
}

TEST_F(NetTxTest, OversizedAndRuntFramesAreDropped) {
    ASSERT_TRUE(start(NetDevice::kTxQueue));
    // Longer than any frame: the chain completes and nothing is sent.
    uint64_t big = driver_.allocate(0x20000);
    driver_.post({{big, static_cast<uint32_t>(kMaxFrameWithHeader + 1), false}});
    // Shorter than the header.
    driver_.post({{driver_.allocate(8), 8, false}});
    auto frame = make_frame(20);
    post_frame(frame, kNetHeaderSize);
    device_->process_tx();
    EXPECT_EQ(driver_.used_idx(), 3);
    EXPECT_EQ(device_->metrics().tx_dropped, 2u);
    EXPECT_EQ(device_->metrics().tx_packets, 1u);
    EXPECT_EQ(receive_from_device(), frame);
    EXPECT_FALSE(receive_from_device().has_value());
    EXPECT_FALSE(device_->broken());
}

}  // namespace
}  // namespace zapotec::virtio
