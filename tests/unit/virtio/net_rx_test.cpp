// Tests of virtio-net receive: frames from the backend land in the guest's RX chains, spread
// over several with mergeable buffers, and a device without buffers waits for a kick.
#include <gtest/gtest.h>

#include <sys/epoll.h>

#include <cstring>

#include "net_fixture.hpp"

namespace zapotec::virtio {
namespace {

using testing::NetTest;

class NetRxTest : public NetTest {
  protected:
    uint16_t num_buffers(uint64_t address) {
        uint16_t value = 0;
        std::memcpy(&value, driver_.bytes(address + 10, 2).data(), 2);
        return value;
    }

    // The bytes of `frame` at [offset, offset + length) equal guest memory at `address`.
    void expect_bytes(const std::vector<uint8_t>& frame, size_t offset, uint64_t address,
                      size_t length) {
        auto guest = driver_.bytes(address, length);
        EXPECT_EQ(std::memcmp(guest.data(), frame.data() + offset, length), 0)
            << "frame bytes " << offset << "+" << length;
    }
};

TEST_F(NetRxTest, FrameLandsInOneChain) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    uint64_t buffer = driver_.allocate(2048);
    uint16_t head = driver_.post({{buffer, 2048, true}});
    auto frame = make_frame(100, 7);
    send_to_device(frame);
    device_->process_rx();

    ASSERT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used_elem(0).id, head);
    EXPECT_EQ(driver_.used_elem(0).len, frame.size());
    EXPECT_EQ(num_buffers(buffer), 1);
    expect_bytes(frame, kNetHeaderSize, buffer + kNetHeaderSize, 100);
    EXPECT_EQ(interrupt_->queue_signals, 1);
    EXPECT_EQ(interrupt_->last_queue, NetDevice::kRxQueue);
    EXPECT_EQ(device_->metrics().rx_packets, 1u);
    EXPECT_EQ(device_->metrics().rx_bytes, 100u);
    EXPECT_EQ(device_->backend_interest(), static_cast<uint32_t>(EPOLLIN));
}

TEST_F(NetRxTest, MergeableFrameSpansChainsWithNumBuffers) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    uint64_t first = driver_.allocate(1000);
    uint64_t second = driver_.allocate(1000);
    uint64_t third = driver_.allocate(1000);
    uint64_t spare = driver_.allocate(1000);
    driver_.post({{first, 1000, true}});
    driver_.post({{second, 600, true}, {second + 600, 400, true}});
    driver_.post({{third, 1000, true}});
    driver_.post({{spare, 1000, true}});
    auto frame = make_frame(2500, 3);  // 2512 bytes with the header: three chains.
    send_to_device(frame);
    device_->process_rx();

    ASSERT_EQ(driver_.used_idx(), 3);
    EXPECT_EQ(driver_.used_elem(0).len, 1000u);
    EXPECT_EQ(driver_.used_elem(1).len, 1000u);
    EXPECT_EQ(driver_.used_elem(2).len, 512u);
    EXPECT_EQ(num_buffers(first), 3);
    expect_bytes(frame, kNetHeaderSize, first + kNetHeaderSize, 1000 - kNetHeaderSize);
    expect_bytes(frame, 1000, second, 1000);
    expect_bytes(frame, 2000, third, 512);
    EXPECT_EQ(device_->metrics().rx_packets, 1u);

    // The fourth chain is held for the next frame, and save() does not count it as used.
    EXPECT_EQ(device_->save().queues[NetDevice::kRxQueue].next_avail, 3);
    send_to_device(make_frame(10));
    device_->process_rx();
    EXPECT_EQ(driver_.used_idx(), 4);
    EXPECT_EQ(num_buffers(spare), 1);
}

TEST_F(NetRxTest, WithoutMergeableBuffersAFrameNeedsOneChain) {
    ASSERT_TRUE(start(NetDevice::kRxQueue, kFeatureVersion1));
    uint64_t small = driver_.allocate(100);
    uint64_t big = driver_.allocate(4096);
    driver_.post({{small, 100, true}});
    send_to_device(make_frame(500));  // Too big for the first chain: dropped.
    send_to_device(make_frame(50));   // Fits it.
    device_->process_rx();
    ASSERT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used_elem(0).len, 62u);
    EXPECT_EQ(num_buffers(small), 1);
    EXPECT_EQ(device_->metrics().rx_dropped, 1u);

    driver_.post({{big, 4096, true}});
    send_to_device(make_frame(500));
    device_->process_rx();
    EXPECT_EQ(driver_.used_idx(), 2);
    EXPECT_EQ(driver_.used_elem(1).len, 512u);
}

TEST_F(NetRxTest, NoBuffersStopsReadingUntilKick) {
    EventLoop* loop = make_loop();
    ASSERT_TRUE(start(NetDevice::kRxQueue, kFeatures, {}, loop));
    // The activation kicks are handled; nothing is posted.
    ASSERT_TRUE(loop->run_once(0).has_value());
    send_to_device(make_frame(64, 1));
    send_to_device(make_frame(64, 2));
    ASSERT_TRUE(loop->run_once(100).has_value());
    // The first frame was read and waits; the backend is no longer watched.
    EXPECT_EQ(device_->backend_interest(), 0u);
    int reads = backend_->reads;
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(loop->run_once(10).has_value());
    EXPECT_EQ(backend_->reads, reads);
    EXPECT_EQ(driver_.used_idx(), 0);

    // The driver posts buffers and kicks: both frames arrive.
    driver_.post({{driver_.allocate(2048), 2048, true}});
    driver_.post({{driver_.allocate(2048), 2048, true}});
    ASSERT_TRUE(driver_.queue_event()->signal().has_value());
    ASSERT_TRUE(loop->run_once(100).has_value());
    EXPECT_EQ(driver_.used_idx(), 2);
    EXPECT_EQ(device_->metrics().rx_packets, 2u);
    EXPECT_EQ(device_->backend_interest(), static_cast<uint32_t>(EPOLLIN));
    device_->reset();
    EXPECT_EQ(device_->backend_interest(), 0u);
}

TEST_F(NetRxTest, FrameNeedingMoreThanTheWholeRingIsDropped) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    // Sixteen chains of 16 bytes hold 256 bytes; a 1000-byte frame can never fit.
    for (int i = 0; i < 16; ++i)
        driver_.post({{driver_.allocate(16), 16, true}});
    send_to_device(make_frame(1000));
    send_to_device(make_frame(20));
    device_->process_rx();
    EXPECT_EQ(device_->metrics().rx_dropped, 1u);
    EXPECT_EQ(device_->metrics().rx_packets, 1u);
    EXPECT_EQ(driver_.used_idx(), 2);  // 32 bytes in two chains.
    EXPECT_FALSE(device_->broken());
}

TEST_F(NetRxTest, IndirectRxChain) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    uint64_t a = driver_.allocate(40);
    uint64_t b = driver_.allocate(100);
    std::array<testing::Buffer, 2> buffers{{{a, 40, true}, {b, 100, true}}};
    driver_.post_indirect(driver_.allocate(32), buffers);
    auto frame = make_frame(80, 9);
    send_to_device(frame);
    device_->process_rx();
    ASSERT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used_elem(0).len, 92u);
    expect_bytes(frame, 40, b, 52);
}

}  // namespace
}  // namespace zapotec::virtio
