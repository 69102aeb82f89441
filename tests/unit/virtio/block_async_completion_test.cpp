// Tests of QueueDevice's asynchronous completion: a device leaves chains pending and
// completes them later; completions from before a reset are dropped; throttled chains are
// put back on the ring (Queue::undo_pop).
#include <gtest/gtest.h>

#include <vector>

#include "counting_interrupt.hpp"
#include "devices/virtio/queue/queue_device.hpp"
#include "test_driver.hpp"

namespace zapotec::virtio {
namespace {

using testing::CountingInterrupt;
using testing::TestDriver;

// A device that leaves every chain pending, or refuses them while `throttle` is set.
class FakeAsyncDevice final : public QueueDevice {
  public:
    static std::shared_ptr<FakeAsyncDevice> create() {
        return std::shared_ptr<FakeAsyncDevice>(new FakeAsyncDevice());
    }
    DeviceType device_type() const override { return DeviceType::Rng; }
    std::string name() const override { return "fake"; }
    uint64_t device_features() const override { return kFeatureVersion1; }
    std::vector<uint16_t> queue_max_sizes() const override { return {16}; }
    void read_config(uint64_t, std::span<uint8_t>) override {}
    void write_config(uint64_t, std::span<const uint8_t>) override {}

    void finish(uint64_t generation, uint16_t head, uint32_t written) {
        Completion done{0, head, written};
        complete(generation, std::span<const Completion>(&done, 1));
    }

    std::vector<uint16_t> heads;
    std::vector<uint64_t> generations;
    bool throttle = false;

  private:
    FakeAsyncDevice() = default;
    Result<ChainOutcome> handle_chain(size_t, const GuestMemory&,
                                      const DescriptorChain& chain) override {
        if (throttle)
            return ChainOutcome::throttled();
        heads.push_back(chain.head);
        generations.push_back(generation());
        return ChainOutcome::pending();
    }
};

class BlockAsyncCompletionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(device_->activate(driver_.activation(interrupt_, kFeatureVersion1)));
    }
    uint16_t post() { return driver_.post({{driver_.allocate(16), 16, true}}); }

    TestDriver driver_;
    std::shared_ptr<CountingInterrupt> interrupt_ = std::make_shared<CountingInterrupt>();
    std::shared_ptr<FakeAsyncDevice> device_ = FakeAsyncDevice::create();
};

TEST_F(BlockAsyncCompletionTest, PendingChainsCompleteLater) {
    uint16_t first = post();
    uint16_t second = post();
    device_->process_queue(0);
    ASSERT_EQ(device_->heads.size(), 2u);
    EXPECT_EQ(driver_.used_idx(), 0);
    EXPECT_EQ(interrupt_->queue_signals, 0);

    // Out of order, as an I/O engine may finish them.
    device_->finish(device_->generations[1], second, 7);
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used_elem(0).id, second);
    EXPECT_EQ(driver_.used_elem(0).len, 7u);
    EXPECT_EQ(interrupt_->queue_signals, 1);
    device_->finish(device_->generations[0], first, 3);
    EXPECT_EQ(driver_.used_idx(), 2);
    EXPECT_EQ(driver_.used_elem(1).id, first);
    EXPECT_FALSE(device_->broken());
}

TEST_F(BlockAsyncCompletionTest, CompletionAfterResetIsIgnored) {
    uint16_t head = post();
    device_->process_queue(0);
    ASSERT_EQ(device_->heads.size(), 1u);
    uint64_t old_generation = device_->generations[0];
    device_->reset();
    device_->finish(old_generation, head, 1);  // Inactive: nothing to publish on.
    EXPECT_EQ(driver_.used_idx(), 0);

    // Nor after a new activation.
    ASSERT_TRUE(device_->activate(driver_.activation(interrupt_, kFeatureVersion1)));
    device_->finish(old_generation, head, 1);
    EXPECT_EQ(driver_.used_idx(), 0);
    EXPECT_EQ(interrupt_->queue_signals, 0);
}

TEST_F(BlockAsyncCompletionTest, ThrottledChainWithoutALimiterBreaksTheDevice) {
    post();
    device_->throttle = true;
    device_->process_queue(0);
    EXPECT_TRUE(device_->broken());
}

TEST(QueueUndoPop, ReturnsTheSameChainAgain) {
    TestDriver driver;
    Queue queue = driver.make_queue();
    uint16_t first = driver.post({{driver.allocate(8), 8, true}});
    uint16_t second = driver.post({{driver.allocate(8), 8, true}});
    auto popped = queue.pop(*driver.memory());
    ASSERT_TRUE(popped && popped->has_value());
    EXPECT_EQ((*popped)->head, first);
    queue.undo_pop();
    popped = queue.pop(*driver.memory());
    ASSERT_TRUE(popped && popped->has_value());
    EXPECT_EQ((*popped)->head, first);
    popped = queue.pop(*driver.memory());
    ASSERT_TRUE(popped && popped->has_value());
    EXPECT_EQ((*popped)->head, second);
    queue.undo_pop();
    popped = queue.pop(*driver.memory());
    ASSERT_TRUE(popped && popped->has_value());
    EXPECT_EQ((*popped)->head, second);
}

}  // namespace
}  // namespace zapotec::virtio
