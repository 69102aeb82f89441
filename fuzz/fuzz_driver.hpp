// A hostile virtio driver for the device fuzz targets: it owns a small guest memory, lays out
// up to two split queues in it and posts chains whose descriptors, flags and contents come
// from the fuzz input, sometimes well formed (so the fuzzer reaches the device's parsers) and
// sometimes not (so it reaches their error paths).
#pragma once

#include <sys/eventfd.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "../tests/unit/virtio/test_driver.hpp"
#include "base/event_fd.hpp"
#include "base/log.hpp"
#include "devices/virtio/queue/queue.hpp"
#include "devices/virtio/queue/ring_layout.hpp"
#include "devices/virtio/virtio_device.hpp"
#include "fuzz_input.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::fuzzing {

// Counts nothing, injects nothing: the devices only need someone to call.
class NullInterrupt final : public virtio::Interrupt {
  public:
    void signal_queue(uint16_t) override {}
    void signal_config() override {}
};

// One buffer of a chain the driver posts: the unit tests' driver's.
using FuzzBuffer = virtio::testing::Buffer;

// The features a driver accepts: VERSION_1 and, for each bit of the input, one of `choices`
// (a group of feature bits); the last bit adds 64 bits from the input, offered or not.
inline uint64_t take_features(InputReader& input, std::initializer_list<uint64_t> choices) {
    uint8_t bits = input.take<uint8_t>();
    uint64_t features = virtio::kFeatureVersion1;
    size_t bit = 0;
    for (uint64_t choice : choices) {
        if (bits & (1u << bit++))
            features |= choice;
    }
    if (bits & 0x80)
        features |= input.take<uint64_t>();
    return features;
}

// A configuration space read or write at an offset and of a length the input picks. Never
// empty: the bus hands the transport accesses of 1 to 8 bytes, and the devices' read_config()
// assumes that (memcpy to the data of an empty span is undefined).
inline void access_config(virtio::VirtioDevice& device, InputReader& input) {
    uint8_t offset = input.take<uint8_t>();
    uint8_t length = 1 + input.take<uint8_t>() % 16;
    std::vector<uint8_t> bytes(length);
    if (input.take<uint8_t>() & 1)
        device.write_config(offset, bytes);
    else
        device.read_config(offset, bytes);
}

class FuzzDriver {
  public:
    // Low memory holds the rings (kQueueArea bytes per queue) and then the buffers; a small
    // high region past a hole lets wild buffers straddle it.
    static constexpr uint64_t kLowSize = 0x10000;
    static constexpr uint64_t kHighStart = 0x11000;
    static constexpr uint64_t kHighSize = 0x1000;
    static constexpr uint64_t kMemoryEnd = kHighStart + kHighSize;
    static constexpr uint64_t kQueueArea = 0x2000;
    static constexpr size_t kMaxQueues = 2;
    static constexpr uint64_t kDataStart = kQueueArea * kMaxQueues;
    static constexpr uint16_t kMaxQueueSize = 256;

    FuzzDriver() {
        // Hostile chains make devices log warnings; printing them would be most of a run.
        spdlog::set_level(spdlog::level::off);
        auto memory = GuestMemory::create(
            {{GuestAddress(0), kLowSize}, {GuestAddress(kHighStart), kHighSize}});
        if (!memory)
            __builtin_trap();
        memory_ = std::make_shared<GuestMemory>(std::move(*memory));
        for (auto& event : events_) {
            auto created = EventFd::create(EFD_NONBLOCK);
            if (!created)
                __builtin_trap();
            event = std::make_shared<EventFd>(std::move(*created));
        }
    }

    // Zeroes guest memory and forgets every queue: a fresh guest for the next input.
    void begin() {
        for (const auto& region : memory_->regions())
            std::memset(region.host_address(), 0, region.size());
        for (auto& queue : queues_)
            queue = QueueProgress{};
        next_data_ = kDataStart;
    }

    const std::shared_ptr<GuestMemory>& memory() const { return memory_; }

    // What a transport hands a device of `count` queues at DRIVER_OK: the sizes are powers of
    // two chosen by the input (a queue of size 0 is left not ready), the counters restart.
    virtio::ActivateContext activation(size_t count, InputReader& input, uint64_t features,
                                       std::shared_ptr<virtio::Interrupt> interrupt) {
        virtio::ActivateContext context;
        context.memory = memory_;
        context.interrupt = std::move(interrupt);
        context.acked_features = features;
        for (size_t i = 0; i < count && i < kMaxQueues; ++i) {
            uint8_t choice = input.take<uint8_t>();
            uint16_t size = choice % 10 == 9 ? 0 : static_cast<uint16_t>(1u << (choice % 9));
            queues_[i] = QueueProgress{size, 0, 0};
            virtio::Queue queue(kMaxQueueSize);
            auto& state = queue.state();
            state.size = size ? size : 1;
            state.desc_table = kQueueArea * i;
            state.avail_ring = kQueueArea * i + 0x1000;
            state.used_ring = kQueueArea * i + 0x1400;
            state.ready = size != 0;
            context.queues.push_back(std::move(queue));
            context.queue_events.push_back(events_[i]);
        }
        return context;
    }

    // Memory for a buffer of `length` bytes from the data area; it wraps around when full,
    // so later buffers may overlap earlier ones as a careless driver's would.
    uint64_t allocate(uint32_t length) {
        uint64_t rounded = (static_cast<uint64_t>(length) + 15) & ~15ull;
        if (rounded > kLowSize - kDataStart)
            return kDataStart;
        if (next_data_ + rounded > kLowSize)
            next_data_ = kDataStart;
        uint64_t address = next_data_;
        next_data_ += rounded;
        return address;
    }

    // Copies `bytes` to `address`, dropping what falls outside guest memory.
    void write(uint64_t address, std::span<const uint8_t> bytes) {
        if (memory_->write(GuestAddress(address), bytes))
            return;
        for (size_t i = 0; i < bytes.size(); ++i)
            (void)memory_->write_obj(GuestAddress(address + i), bytes[i]);
    }

    // Posts `buffers` as one chain on `queue`, through an indirect table when asked.
    void post(size_t queue, std::span<const FuzzBuffer> buffers, bool indirect) {
        QueueProgress& progress = queues_[queue % kMaxQueues];
        if (progress.size == 0 || buffers.empty())
            return;
        if (indirect) {
            uint64_t table = allocate(static_cast<uint32_t>(16 * buffers.size()));
            for (size_t i = 0; i < buffers.size(); ++i)
                write_desc(table + 16 * i, desc_for(buffers[i], i + 1 < buffers.size(),
                                                    static_cast<uint16_t>(i + 1)));
            uint16_t head = take_desc(progress);
            write_desc(
                desc_address(queue, head),
                {table, static_cast<uint32_t>(16 * buffers.size()), virtio::kDescFlagIndirect, 0});
            return publish(queue, head);
        }
        uint16_t head = progress.next_desc;
        for (size_t i = 0; i < buffers.size(); ++i) {
            uint16_t index = take_desc(progress);
            write_desc(desc_address(queue, index),
                       desc_for(buffers[i], i + 1 < buffers.size(), progress.next_desc));
        }
        publish(queue, head);
    }

    // A chain of descriptors written as the input says: any address, length, flags and next
    // index, then published (or not) with any head.
    void post_hostile(size_t queue, InputReader& input) {
        QueueProgress& progress = queues_[queue % kMaxQueues];
        if (progress.size == 0)
            return;
        size_t count = 1 + input.take<uint8_t>() % 8;
        uint16_t head = progress.next_desc;
        for (size_t i = 0; i < count; ++i) {
            uint8_t control = input.take<uint8_t>();
            FuzzBuffer buffer = hostile_buffer(input, control);
            uint16_t index = take_desc(progress);
            virtio::VirtqDesc desc = desc_for(buffer, i + 1 < count, progress.next_desc);
            if (control & 0x10)
                desc.flags = input.take<uint16_t>();
            if (control & 0x20)
                desc.next = input.take<uint16_t>();
            write_desc(desc_address(queue, index), desc);
            if (control & 0x40)
                fill_from_input(buffer, input);
        }
        uint8_t publish_mode = input.take<uint8_t>();
        if (publish_mode & 1)
            head = input.take<uint16_t>();
        if (!(publish_mode & 2))
            publish(queue, head);
    }

    // Raw bytes anywhere in guest memory, rings included; or the available index set to any
    // value.
    void write_hostile(size_t queue, InputReader& input) {
        uint8_t mode = input.take<uint8_t>();
        if (mode & 1) {
            QueueProgress& progress = queues_[queue % kMaxQueues];
            progress.avail_idx = input.take<uint16_t>();
            write_u16(kQueueArea * (queue % kMaxQueues) + 0x1000 + virtio::kAvailIdxOffset,
                      progress.avail_idx);
            return;
        }
        uint64_t address = input.take<uint16_t>() % kMemoryEnd;
        write(address, input.take_bytes(input.take<uint8_t>() % 64));
    }

    // Copies input bytes into the start of `buffer` when it lies in guest memory.
    void fill_from_input(const FuzzBuffer& buffer, InputReader& input) {
        uint32_t length = buffer.length < 64 ? buffer.length : 64;
        uint32_t count = input.take<uint8_t>() % (length + 1);
        write(buffer.address, input.take_bytes(count));
    }

  private:
    struct QueueProgress {
        uint16_t size = 0;  // 0: the queue is not ready.
        uint16_t avail_idx = 0;
        uint16_t next_desc = 0;
    };

    // Mostly inside the data area; wild addresses and lengths when the control byte says so.
    FuzzBuffer hostile_buffer(InputReader& input, uint8_t control) {
        FuzzBuffer buffer;
        buffer.writable = control & 1;
        buffer.length = (control & 4) ? input.take<uint32_t>() : input.take<uint16_t>() % 0x2000;
        buffer.address = (control & 2) ? input.take<uint64_t>() : allocate(buffer.length);
        if (control & 8)
            buffer.address = kHighStart - (input.take<uint8_t>() % 64);  // Across the hole.
        return buffer;
    }

    static uint64_t desc_address(size_t queue, uint16_t index) {
        return kQueueArea * (queue % kMaxQueues) + 16ull * index;
    }

    uint16_t take_desc(QueueProgress& progress) {
        uint16_t index = progress.next_desc;
        progress.next_desc = static_cast<uint16_t>((progress.next_desc + 1) % progress.size);
        return index;
    }

    // A descriptor for `buffer` with the flags a well-behaved driver would set.
    static virtio::VirtqDesc desc_for(const FuzzBuffer& buffer, bool has_next, uint16_t next) {
        auto flags = static_cast<uint16_t>((buffer.writable ? virtio::kDescFlagWrite : 0) |
                                           (has_next ? virtio::kDescFlagNext : 0));
        return {buffer.address, buffer.length, flags, next};
    }

    void write_desc(uint64_t address, const virtio::VirtqDesc& desc) {
        (void)memory_->write_obj(GuestAddress(address), desc);
    }

    void write_u16(uint64_t address, uint16_t value) {
        (void)memory_->write_obj(GuestAddress(address), value);
    }

    void publish(size_t queue, uint16_t head) {
        QueueProgress& progress = queues_[queue % kMaxQueues];
        uint64_t avail = kQueueArea * (queue % kMaxQueues) + 0x1000;
        write_u16(avail + virtio::kAvailRingOffset + 2ull * (progress.avail_idx % progress.size),
                  head);
        progress.avail_idx = static_cast<uint16_t>(progress.avail_idx + 1);
        write_u16(avail + virtio::kAvailIdxOffset, progress.avail_idx);
    }

    std::shared_ptr<GuestMemory> memory_;
    std::shared_ptr<EventFd> events_[kMaxQueues];
    QueueProgress queues_[kMaxQueues];
    uint64_t next_data_ = kDataStart;
};

}  // namespace zapotec::fuzzing
