// Tests of the split virtqueue: popping chains, completing them, interrupt suppression, and
// what a hostile driver can put in the rings.
#include "devices/virtio/queue/queue.hpp"

#include <gtest/gtest.h>

#include <array>

#include "test_driver.hpp"

namespace zapotec::virtio {
namespace {

using testing::Buffer;
using testing::TestDriver;

DescriptorChain pop_chain(Queue& queue, const GuestMemory& memory) {
    auto chain = queue.pop(memory);
    EXPECT_TRUE(chain.has_value()) << chain.error().message();
    EXPECT_TRUE(chain.has_value() && chain->has_value());
    return chain.has_value() && chain->has_value() ? std::move(**chain) : DescriptorChain{};
}

void expect_pop_error(Queue& queue, const GuestMemory& memory) {
    auto chain = queue.pop(memory);
    EXPECT_FALSE(chain.has_value());
}

TEST(Queue, PopsChainsInOrderAndCompletesThem) {
    TestDriver driver;
    Queue queue = driver.make_queue();
    const GuestMemory& memory = *driver.memory();
    ASSERT_TRUE(queue.validate(memory).has_value());

    uint16_t first = driver.post({{0x10000, 16, false}, {0x10010, 512, true}, {0x10210, 1, true}});
    uint16_t second = driver.post({{0x20000, 8, true}});

    DescriptorChain chain = pop_chain(queue, memory);
    EXPECT_EQ(chain.head, first);
    ASSERT_EQ(chain.descriptors.size(), 3u);
    EXPECT_EQ(chain.descriptors[0].address, GuestAddress(0x10000));
    EXPECT_EQ(chain.descriptors[0].length, 16u);
    EXPECT_FALSE(chain.descriptors[0].device_writable);
    EXPECT_TRUE(chain.descriptors[1].device_writable);
    EXPECT_EQ(chain.descriptors[2].length, 1u);
    EXPECT_EQ(pop_chain(queue, memory).head, second);
    auto none = queue.pop(memory);
    ASSERT_TRUE(none.has_value());
    EXPECT_FALSE(none->has_value());

    ASSERT_TRUE(queue.add_used(memory, second, 8).has_value());
    ASSERT_TRUE(queue.add_used(memory, first, 513).has_value());
    EXPECT_EQ(driver.used_idx(), 2);
    EXPECT_EQ(driver.used_elem(0).id, second);
    EXPECT_EQ(driver.used_elem(0).len, 8u);
    EXPECT_EQ(driver.used_elem(1).id, first);
    EXPECT_EQ(driver.used_elem(1).len, 513u);
    EXPECT_FALSE(queue.add_used(memory, driver.size(), 0).has_value());
}

TEST(Queue, IndicesWrapAroundAt65536) {
    TestDriver driver(4);
    Queue queue = driver.make_queue();
    const GuestMemory& memory = *driver.memory();
    driver.set_avail_idx(65534);
    queue.state().next_avail = 65534;
    queue.state().next_used = 65534;
    for (int i = 0; i < 5; ++i) {
        uint16_t head = driver.post({{0x10000, 4, true}});
        DescriptorChain chain = pop_chain(queue, memory);
        EXPECT_EQ(chain.head, head);
        ASSERT_TRUE(queue.add_used(memory, chain.head, 4).has_value());
    }
    EXPECT_EQ(queue.state().next_avail, 3);
    EXPECT_EQ(driver.used_idx(), 3);
}

TEST(Queue, DropsZeroLengthDescriptorsAndFollowsIndirectTables) {
    TestDriver driver;
    Queue queue = driver.make_queue();
    const GuestMemory& memory = *driver.memory();
    // A zero-length descriptor may point anywhere; it carries nothing.
    driver.post({{0x10000, 16, false}, {0xffff'ffff'0000, 0, false}, {0x10010, 1, true}});
    EXPECT_EQ(pop_chain(queue, memory).descriptors.size(), 2u);

    std::array<Buffer, 3> buffers{
        {{0x20000, 16, false}, {0x20010, 4096, true}, {0x30000, 1, true}}};
    uint16_t head = driver.post_indirect(0x40000, buffers);
    DescriptorChain chain = pop_chain(queue, memory);
    EXPECT_EQ(chain.head, head);
    ASSERT_EQ(chain.descriptors.size(), 3u);
    EXPECT_EQ(chain.descriptors[1].address, GuestAddress(0x20010));
    EXPECT_EQ(chain.descriptors[1].length, 4096u);
    EXPECT_TRUE(chain.descriptors[2].device_writable);
}

TEST(Queue, ValidateRejectsBadSizesAndRings) {
    TestDriver driver;
    const GuestMemory& memory = *driver.memory();
    auto check = [&](auto&& change) {
        Queue queue = driver.make_queue();
        change(queue.state());
        return queue.validate(memory).has_value();
    };
    EXPECT_TRUE(check([](QueueState&) {}));
    EXPECT_FALSE(check([](QueueState& s) { s.size = 0; }));
    EXPECT_FALSE(check([](QueueState& s) { s.size = 12; }));
    EXPECT_FALSE(check([](QueueState& s) { s.size = 32; }));  // Above max_size.
    EXPECT_FALSE(check([](QueueState& s) { s.desc_table += 8; }));
    EXPECT_FALSE(check([](QueueState& s) { s.avail_ring += 1; }));
    EXPECT_FALSE(check([](QueueState& s) { s.used_ring += 2; }));
    EXPECT_FALSE(check([](QueueState& s) { s.used_ring = TestDriver::kMemorySize - 8; }));
    EXPECT_FALSE(check([](QueueState& s) { s.desc_table = ~0ull & ~15ull; }));
    EXPECT_TRUE(check([](QueueState& s) { s.avail_ring += 2; }));

    // pop() checks as well, so a queue that was never validated cannot be misused.
    Queue queue = driver.make_queue();
    queue.state().avail_ring += 1;
    expect_pop_error(queue, memory);
}

TEST(Queue, RejectsAvailIndexRunningAhead) {
    TestDriver driver(8);
    Queue queue = driver.make_queue();
    driver.set_avail_idx(9);
    expect_pop_error(queue, *driver.memory());
    driver.set_avail_idx(8);  // A full ring is fine.
    EXPECT_TRUE(queue.pop(*driver.memory()).has_value());
}

TEST(Queue, RejectsHeadBeyondQueue) {
    TestDriver driver(8);
    Queue queue = driver.make_queue();
    driver.publish(8);
    expect_pop_error(queue, *driver.memory());
}

TEST(Queue, RejectsLoopingChains) {
    TestDriver driver(8);
    Queue queue = driver.make_queue();
    driver.set_desc(0, 0x10000, 4, kDescFlagNext, 1);
    driver.set_desc(1, 0x10000, 4, kDescFlagNext, 0);
    driver.publish(0);
    expect_pop_error(queue, *driver.memory());

    TestDriver self_loop(8);
    Queue other = self_loop.make_queue();
    self_loop.set_desc(3, 0x10000, 0, kDescFlagNext, 3);  // Empty descriptors count too.
    self_loop.publish(3);
    expect_pop_error(other, *self_loop.memory());
}

TEST(Queue, RejectsNextOutOfRange) {
    TestDriver driver(8);
    Queue queue = driver.make_queue();
    driver.set_desc(0, 0x10000, 4, kDescFlagNext, 8);
    driver.publish(0);
    expect_pop_error(queue, *driver.memory());
}

TEST(Queue, RejectsBuffersOutsideMemoryOrOverflowing) {
    for (auto [address, length] : std::array<std::pair<uint64_t, uint32_t>, 4>{{
             {TestDriver::kMemorySize, 1},
             {TestDriver::kMemorySize - 4, 8},
             {~0ull - 3, 16},
             {0x10000, 0xffff'ffff},
         }}) {
        TestDriver driver;
        Queue queue = driver.make_queue();
        driver.post({{address, length, true}});
        expect_pop_error(queue, *driver.memory());
    }
}

TEST(Queue, RejectsReadableAfterWritable) {
    TestDriver driver;
    Queue queue = driver.make_queue();
    driver.post({{0x10000, 4, true}, {0x10010, 4, false}});
    expect_pop_error(queue, *driver.memory());
}

TEST(Queue, RejectsBadIndirectTables) {
    auto try_table = [](auto&& setup) {
        TestDriver driver;
        Queue queue = driver.make_queue();
        setup(driver);
        return queue.pop(*driver.memory()).has_value();
    };
    // Out of memory, a partial entry, empty, nested, with NEXT, and looping.
    EXPECT_FALSE(try_table([](TestDriver& d) {
        d.set_desc(0, TestDriver::kMemorySize - 16, 32, kDescFlagIndirect);
        d.publish(0);
    }));
    EXPECT_FALSE(try_table([](TestDriver& d) {
        d.set_desc(0, 0x40000, 24, kDescFlagIndirect);
        d.publish(0);
    }));
    EXPECT_FALSE(try_table([](TestDriver& d) {
        d.set_desc(0, 0x40000, 0, kDescFlagIndirect);
        d.publish(0);
    }));
    EXPECT_FALSE(try_table([](TestDriver& d) {
        std::array<Buffer, 1> inner{{{0x50000, 32, false}}};
        d.post_indirect(0x40000, inner);
        ASSERT_TRUE(
            d.memory()
                ->write_obj(GuestAddress(0x40000), VirtqDesc{0x50000, 32, kDescFlagIndirect, 0})
                .has_value());
    }));
    EXPECT_FALSE(try_table([](TestDriver& d) {
        d.set_desc(0, 0x40000, 16, kDescFlagIndirect | kDescFlagNext, 1);
        d.set_desc(1, 0x10000, 16, 0);
        d.publish(0);
    }));
    EXPECT_FALSE(try_table([](TestDriver& d) {
        std::array<Buffer, 2> inner{{{0x50000, 8, false}, {0x50010, 8, false}}};
        d.post_indirect(0x40000, inner);
        ASSERT_TRUE(d.memory()
                        ->write_obj(GuestAddress(0x40010), VirtqDesc{0x50010, 8, kDescFlagNext, 0})
                        .has_value());
    }));
    EXPECT_FALSE(try_table([](TestDriver& d) {
        std::array<Buffer, 2> inner{{{0x50000, 8, false}, {0x50010, 8, false}}};
        d.post_indirect(0x40000, inner);
        ASSERT_TRUE(d.memory()
                        ->write_obj(GuestAddress(0x40000), VirtqDesc{0x50000, 8, kDescFlagNext, 2})
                        .has_value());
    }));
}

TEST(Queue, NotReadyQueueHasNothingToPop) {
    TestDriver driver;
    Queue queue = driver.make_queue();
    queue.state().ready = false;
    driver.post({{0x10000, 4, true}});
    auto chain = queue.pop(*driver.memory());
    ASSERT_TRUE(chain.has_value());
    EXPECT_FALSE(chain->has_value());
    EXPECT_FALSE(queue.add_used(*driver.memory(), 0, 0).has_value());
}

TEST(Queue, NoInterruptFlagSuppressesNotification) {
    TestDriver driver;
    Queue queue = driver.make_queue();
    const GuestMemory& memory = *driver.memory();
    driver.post({{0x10000, 4, true}});
    auto chain = pop_chain(queue, memory);
    ASSERT_TRUE(queue.add_used(memory, chain.head, 4).has_value());
    EXPECT_TRUE(queue.needs_notification(memory).value_or(false));
    driver.set_avail_flags(kAvailFlagNoInterrupt);
    EXPECT_FALSE(queue.needs_notification(memory).value_or(true));
}

TEST(Queue, EventIdxNotifiesOnlyWhenUsedEventIsCrossed) {
    TestDriver driver(8);
    Queue queue = driver.make_queue(/*event_idx=*/true);
    const GuestMemory& memory = *driver.memory();
    auto complete_one = [&] {
        driver.post({{0x10000, 4, true}});
        auto chain = pop_chain(queue, memory);
        ASSERT_TRUE(queue.add_used(memory, chain.head, 4).has_value());
    };
    // The first check after activation always notifies.
    complete_one();
    EXPECT_TRUE(queue.needs_notification(memory).value_or(false));
    // The driver wants to hear when used entry 3 is published (used idx goes past 3).
    driver.set_used_event(3);
    complete_one();  // used idx 2
    EXPECT_FALSE(queue.needs_notification(memory).value_or(true));
    complete_one();  // used idx 3
    EXPECT_FALSE(queue.needs_notification(memory).value_or(true));
    complete_one();  // used idx 4: entry 3 was published.
    EXPECT_TRUE(queue.needs_notification(memory).value_or(false));
    // Several entries at once, crossing the event, notify once.
    driver.set_used_event(5);
    complete_one();
    complete_one();
    complete_one();
    EXPECT_TRUE(queue.needs_notification(memory).value_or(false));
    EXPECT_FALSE(queue.needs_notification(memory).value_or(true));  // Nothing new.
}

TEST(Queue, EventIdxHandlesWraparound) {
    TestDriver driver(4);
    Queue queue = driver.make_queue(/*event_idx=*/true);
    const GuestMemory& memory = *driver.memory();
    driver.set_avail_idx(65533);
    queue.state().next_avail = 65533;
    queue.state().next_used = 65533;
    queue.state().signalled_used = 65533;
    queue.state().signalled_used_valid = true;
    driver.set_used_event(65535);
    auto complete_one = [&] {
        driver.post({{0x10000, 4, true}});
        auto chain = pop_chain(queue, memory);
        ASSERT_TRUE(queue.add_used(memory, chain.head, 4).has_value());
    };
    complete_one();  // used idx 65534.
    EXPECT_FALSE(queue.needs_notification(memory).value_or(true));
    complete_one();  // used idx 65535.
    EXPECT_FALSE(queue.needs_notification(memory).value_or(true));
    complete_one();  // used idx 0: entry 65535 was published.
    EXPECT_TRUE(queue.needs_notification(memory).value_or(false));
    driver.set_used_event(1);
    complete_one();  // used idx 1.
    EXPECT_FALSE(queue.needs_notification(memory).value_or(true));
    complete_one();  // used idx 2: entry 1 was published.
    EXPECT_TRUE(queue.needs_notification(memory).value_or(false));
    // An old used_event, far behind, does not notify again.
    driver.set_used_event(65000);
    complete_one();
    EXPECT_FALSE(queue.needs_notification(memory).value_or(true));
}

TEST(Queue, EventIdxPublishesAvailEventWhenEmpty) {
    TestDriver driver;
    Queue queue = driver.make_queue(/*event_idx=*/true);
    const GuestMemory& memory = *driver.memory();
    driver.post({{0x10000, 4, true}});
    driver.post({{0x10000, 4, true}});
    pop_chain(queue, memory);
    pop_chain(queue, memory);
    auto none = queue.pop(memory);
    ASSERT_TRUE(none.has_value());
    EXPECT_FALSE(none->has_value());
    EXPECT_EQ(driver.avail_event(), 2);
}

TEST(Queue, ResetKeepsOnlyMaxSize) {
    TestDriver driver;
    Queue queue = driver.make_queue(true);
    queue.state().next_avail = 7;
    queue.reset();
    EXPECT_EQ(queue.state().max_size, driver.size());
    EXPECT_EQ(queue.state().size, driver.size());
    EXPECT_FALSE(queue.state().ready);
    EXPECT_EQ(queue.state().next_avail, 0);
    EXPECT_EQ(queue.state().desc_table, 0u);
}

}  // namespace
}  // namespace zapotec::virtio
