// The test driver's ring bookkeeping: what a guest's virtio driver does, minus the checks.
#include "test_driver.hpp"

#include <gtest/gtest.h>

#include <sys/eventfd.h>

#include <cstring>

namespace zapotec::virtio::testing {

namespace {

template <class T>
void poke(const GuestMemory& memory, uint64_t address, const T& value) {
    ASSERT_TRUE(memory.write_obj(GuestAddress(address), value).has_value());
}

template <class T>
T peek(const GuestMemory& memory, uint64_t address) {
    auto value = memory.read_obj<T>(GuestAddress(address));
    EXPECT_TRUE(value.has_value());
    return value.value_or(T{});
}

}  // namespace

TestDriver::TestDriver(uint16_t size) : size_(size) {
    auto memory = GuestMemory::create({{GuestAddress(0), kMemorySize}});
    EXPECT_TRUE(memory.has_value());
    memory_ = std::make_shared<GuestMemory>(std::move(*memory));
    auto event = EventFd::create(EFD_NONBLOCK);
    EXPECT_TRUE(event.has_value());
    queue_event_ = std::make_shared<EventFd>(std::move(*event));
}

ActivateContext TestDriver::activation(std::shared_ptr<Interrupt> interrupt,
                                       uint64_t acked_features, EventLoop* event_loop) const {
    ActivateContext context;
    context.memory = memory_;
    context.queues.push_back(make_queue());
    context.queue_events.push_back(queue_event_);
    context.interrupt = std::move(interrupt);
    context.acked_features = acked_features;
    context.event_loop = event_loop;
    return context;
}

Queue TestDriver::make_queue(bool event_idx) const {
    Queue queue(size_);
    QueueState& state = queue.state();
    state.size = size_;
    state.desc_table = kDescTable;
    state.avail_ring = kAvailRing;
    state.used_ring = kUsedRing;
    state.event_idx = event_idx;
    state.ready = true;
    return queue;
}

void TestDriver::set_desc(uint16_t index, uint64_t address, uint32_t length, uint16_t flags,
                          uint16_t next) {
    poke(*memory_, kDescTable + 16ull * index, VirtqDesc{address, length, flags, next});
}

void TestDriver::publish(uint16_t head) {
    poke(*memory_, kAvailRing + kAvailRingOffset + 2ull * (avail_idx_ % size_), head);
    set_avail_idx(static_cast<uint16_t>(avail_idx_ + 1));
}

uint16_t TestDriver::post(std::initializer_list<Buffer> buffers) {
    return post(std::span<const Buffer>(buffers.begin(), buffers.size()));
}

uint16_t TestDriver::post(std::span<const Buffer> buffers) {
    uint16_t head = next_free_desc_;
    for (size_t i = 0; i < buffers.size(); ++i) {
        uint16_t index = next_free_desc_;
        next_free_desc_ = static_cast<uint16_t>((next_free_desc_ + 1) % size_);
        bool last = i + 1 == buffers.size();
        uint16_t flags = static_cast<uint16_t>((buffers[i].writable ? kDescFlagWrite : 0) |
                                               (last ? 0 : kDescFlagNext));
        set_desc(index, buffers[i].address, buffers[i].length, flags, next_free_desc_);
    }
    publish(head);
    return head;
}

uint16_t TestDriver::post_indirect(uint64_t table, std::span<const Buffer> buffers) {
    for (size_t i = 0; i < buffers.size(); ++i) {
        bool last = i + 1 == buffers.size();
        uint16_t flags = static_cast<uint16_t>((buffers[i].writable ? kDescFlagWrite : 0) |
                                               (last ? 0 : kDescFlagNext));
        poke(*memory_, table + 16 * i,
             VirtqDesc{buffers[i].address, buffers[i].length, flags, static_cast<uint16_t>(i + 1)});
    }
    uint16_t head = next_free_desc_;
    next_free_desc_ = static_cast<uint16_t>((next_free_desc_ + 1) % size_);
    set_desc(head, table, static_cast<uint32_t>(16 * buffers.size()), kDescFlagIndirect);
    publish(head);
    return head;
}

uint64_t TestDriver::allocate(uint32_t length) {
    uint64_t address = next_data_;
    next_data_ += (static_cast<uint64_t>(length) + 15) & ~15ull;
    EXPECT_LE(next_data_, kMemorySize);
    return address;
}

std::span<uint8_t> TestDriver::bytes(uint64_t address, uint64_t length) const {
    auto slice = memory_->slice(GuestAddress(address), length);
    EXPECT_TRUE(slice.has_value());
    return slice.value_or(std::span<uint8_t>{});
}

void TestDriver::set_avail_idx(uint16_t value) {
    avail_idx_ = value;
    poke(*memory_, kAvailRing + kAvailIdxOffset, value);
}

void TestDriver::set_avail_flags(uint16_t flags) {
    poke(*memory_, kAvailRing + kAvailFlagsOffset, flags);
}

void TestDriver::set_used_event(uint16_t value) {
    poke(*memory_, kAvailRing + used_event_offset(size_), value);
}

uint16_t TestDriver::avail_event() const {
    return peek<uint16_t>(*memory_, kUsedRing + avail_event_offset(size_));
}

uint16_t TestDriver::used_idx() const {
    return peek<uint16_t>(*memory_, kUsedRing + kUsedIdxOffset);
}

VirtqUsedElem TestDriver::used_elem(uint16_t ring_index) const {
    return peek<VirtqUsedElem>(*memory_, kUsedRing + kUsedRingOffset + 8ull * (ring_index % size_));
}

}  // namespace zapotec::virtio::testing
