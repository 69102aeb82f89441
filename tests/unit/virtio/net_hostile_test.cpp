// Tests of a hostile driver against the network device: chains that break the protocol
// break the device (it then ignores the guest until reset) and never crash the VMM.
#include <gtest/gtest.h>

#include <sys/epoll.h>

#include "net_fixture.hpp"

namespace zapotec::virtio {
namespace {

using testing::NetTest;
using testing::TestDriver;

class NetHostileTest : public NetTest {
  protected:
    void expect_broken_rx() {
        send_to_device(make_frame(64));
        device_->process_rx();
        EXPECT_TRUE(device_->broken());
        EXPECT_EQ(driver_.used_idx(), 0);
        EXPECT_EQ(interrupt_->queue_signals, 0);
        EXPECT_EQ(device_->backend_interest(), 0u);
        // Further buffers are ignored until the driver resets the device.
        driver_.post({{driver_.allocate(2048), 2048, true}});
        device_->on_rx_kick();
        EXPECT_EQ(driver_.used_idx(), 0);
    }

    void expect_broken_tx() {
        device_->process_tx();
        EXPECT_TRUE(device_->broken());
        EXPECT_EQ(driver_.used_idx(), 0);
        EXPECT_FALSE(receive_from_device().has_value());
    }
};

TEST_F(NetHostileTest, RxChainWithReadableBuffer) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    driver_.post({{driver_.allocate(64), 64, false}, {driver_.allocate(2048), 2048, true}});
    expect_broken_rx();
}

TEST_F(NetHostileTest, RxChainOfEmptyBuffers) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    driver_.post({{driver_.allocate(16), 0, true}});
    expect_broken_rx();
}

TEST_F(NetHostileTest, RxBufferOutsideGuestMemory) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    driver_.post({{TestDriver::kMemorySize - 100, 2048, true}});
    expect_broken_rx();
}

TEST_F(NetHostileTest, RxLoopingChain) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    driver_.set_desc(0, driver_.allocate(64), 64, kDescFlagWrite | kDescFlagNext, 0);
    driver_.publish(0);
    expect_broken_rx();
}

TEST_F(NetHostileTest, TxChainWithWritableBuffer) {
    ASSERT_TRUE(start(NetDevice::kTxQueue));
    driver_.post({{driver_.allocate(64), 64, false}, {driver_.allocate(64), 64, true}});
    expect_broken_tx();
}

TEST_F(NetHostileTest, TxBufferOutsideGuestMemory) {
    ASSERT_TRUE(start(NetDevice::kTxQueue));
    driver_.post({{TestDriver::kMemorySize - 8, 64, false}});
    expect_broken_tx();
}

TEST_F(NetHostileTest, TxAvailIndexJumpsAhead) {
    ASSERT_TRUE(start(NetDevice::kTxQueue));
    driver_.set_avail_idx(500);
    expect_broken_tx();
}

TEST_F(NetHostileTest, TxFrameInTooManyPiecesIsDropped) {
    ASSERT_TRUE(start(NetDevice::kTxQueue));
    // An indirect table of 2000 one-byte buffers: more than writev takes.
    std::vector<testing::Buffer> pieces;
    uint64_t data = driver_.allocate(2000);
    for (uint64_t i = 0; i < 2000; ++i)
        pieces.push_back({data + i, 1, false});
    driver_.post_indirect(driver_.allocate(16 * 2000), pieces);
    device_->process_tx();
    EXPECT_FALSE(device_->broken());
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(device_->metrics().tx_dropped, 1u);
    EXPECT_FALSE(receive_from_device().has_value());
}

TEST_F(NetHostileTest, ResetClearsBrokenState) {
    ASSERT_TRUE(start(NetDevice::kTxQueue));
    driver_.post({{driver_.allocate(64), 64, true}});
    device_->process_tx();
    ASSERT_TRUE(device_->broken());
    device_->reset();
    EXPECT_FALSE(device_->broken());
    EXPECT_TRUE(device_->save().queues.empty());
}

}  // namespace
}  // namespace zapotec::virtio
