// Tests of a hostile driver against the block device: malformed chains and rings break the
// device (it then ignores the guest until reset) and never crash the VMM or touch the image.
#include <gtest/gtest.h>

#include <array>

#include "block_fixture.hpp"

namespace zapotec::virtio {
namespace {

using testing::BlockTest;
using testing::Buffer;
using testing::TestDriver;

class BlockHostileTest : public BlockTest {
  protected:
    // Processes the queue and expects the device to have given up without completing anything.
    void expect_broken() {
        process();
        EXPECT_TRUE(device_->broken());
        EXPECT_EQ(driver_.used_idx(), 0);
        EXPECT_EQ(interrupt_->queue_signals, 0);
        // Further requests are ignored until the driver resets the device.
        post(RequestType::In, 0, 512, true);
        process();
        EXPECT_EQ(driver_.used_idx(), 0);
        EXPECT_EQ(device_->metrics().read_ops, 0u);
    }

    uint64_t header(RequestType type, uint64_t sector = 0) {
        uint64_t address = driver_.allocate(16);
        write_header(address, static_cast<uint32_t>(type), sector);
        return address;
    }
};

TEST_F(BlockHostileTest, HeaderThatIsWritable) {
    ASSERT_TRUE(start());
    driver_.post({{header(RequestType::In), 16, true}, {driver_.allocate(1), 1, true}});
    expect_broken();
}

TEST_F(BlockHostileTest, HeaderOfWrongLength) {
    ASSERT_TRUE(start());
    driver_.post({{header(RequestType::In), 8, false}, {driver_.allocate(1), 1, true}});
    expect_broken();
}

TEST_F(BlockHostileTest, NoStatusBuffer) {
    ASSERT_TRUE(start());
    driver_.post({{header(RequestType::Flush), 16, false}});
    expect_broken();
}

TEST_F(BlockHostileTest, StatusBufferNotWritable) {
    ASSERT_TRUE(start());
    driver_.post({{header(RequestType::Out), 16, false}, {driver_.allocate(512), 512, false}});
    expect_broken();
}

TEST_F(BlockHostileTest, LoopingChain) {
    ASSERT_TRUE(start());
    driver_.set_desc(0, header(RequestType::In), 16, kDescFlagNext, 1);
    driver_.set_desc(1, driver_.allocate(512), 512, kDescFlagNext, 0);
    driver_.publish(0);
    expect_broken();
}

TEST_F(BlockHostileTest, NextOutOfRange) {
    ASSERT_TRUE(start());
    driver_.set_desc(0, header(RequestType::In), 16, kDescFlagNext, 200);
    driver_.publish(0);
    expect_broken();
}

TEST_F(BlockHostileTest, BufferOutsideGuestMemory) {
    ASSERT_TRUE(start());
    driver_.post({{header(RequestType::In), 16, false},
                  {TestDriver::kMemorySize - 256, 512, true},
                  {driver_.allocate(1), 1, true}});
    expect_broken();
}

TEST_F(BlockHostileTest, BufferLengthOverflowingTheAddressSpace) {
    ASSERT_TRUE(start());
    driver_.post({{header(RequestType::In), 16, false},
                  {~0ull - 511, 0xffff'fe00, true},
                  {driver_.allocate(1), 1, true}});
    expect_broken();
}

TEST_F(BlockHostileTest, HeadIndexBeyondQueue) {
    ASSERT_TRUE(start());
    driver_.publish(16);
    expect_broken();
}

TEST_F(BlockHostileTest, AvailIndexJumpsAhead) {
    ASSERT_TRUE(start());
    driver_.set_avail_idx(1000);
    process();
    EXPECT_TRUE(device_->broken());
    EXPECT_EQ(driver_.used_idx(), 0);
}

TEST_F(BlockHostileTest, IndirectTableOutOfRange) {
    ASSERT_TRUE(start());
    driver_.set_desc(0, TestDriver::kMemorySize - 32, 64, kDescFlagIndirect);
    driver_.publish(0);
    expect_broken();
}

TEST_F(BlockHostileTest, NestedIndirectTable) {
    ASSERT_TRUE(start());
    uint64_t inner = driver_.allocate(48);
    std::array<Buffer, 2> outer{{{header(RequestType::In), 16, false}, {inner, 48, false}}};
    uint64_t table = driver_.allocate(32);
    driver_.post_indirect(table, outer);
    // The table's second entry claims to be an indirect table itself.
    ASSERT_TRUE(
        driver_.memory()
            ->write_obj(GuestAddress(table + 16), VirtqDesc{inner, 48, kDescFlagIndirect, 0})
            .has_value());
    expect_broken();
}

TEST_F(BlockHostileTest, UnalignedRingsFailActivation) {
    auto device = BlockDevice::create({"rootfs", image_.path(), false});
    ASSERT_TRUE(device.has_value());
    for (auto change :
         {+[](QueueState& s) { s.desc_table += 4; }, +[](QueueState& s) { s.avail_ring += 1; },
          +[](QueueState& s) { s.used_ring += 2; }, +[](QueueState& s) { s.size = 100; },
          +[](QueueState& s) { s.used_ring = TestDriver::kMemorySize; }}) {
        ActivateContext context = driver_.activation(interrupt_, kFeatures);
        change(context.queues[0].state());
        EXPECT_FALSE((*device)->activate(std::move(context)).has_value());
        EXPECT_FALSE((*device)->active());
    }
}

TEST_F(BlockHostileTest, ResetRecoversABrokenDevice) {
    ASSERT_TRUE(start());
    driver_.publish(16);
    process();
    ASSERT_TRUE(device_->broken());
    device_->reset();
    EXPECT_FALSE(device_->broken());
    EXPECT_FALSE(device_->active());

    // The driver starts over on fresh rings.
    TestDriver fresh(16);
    driver_ = std::move(fresh);
    ASSERT_TRUE(device_->activate(driver_.activation(interrupt_, kFeatures)).has_value());
    auto posted = post(RequestType::In, 0, 512, true);
    process();
    EXPECT_EQ(status(posted), 0);
    EXPECT_FALSE(device_->broken());
}

}  // namespace
}  // namespace zapotec::virtio
