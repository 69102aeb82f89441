// A stand-in for a guest's virtio driver in unit tests: owns guest memory, lays out the
// descriptor table and rings of one queue by hand and posts chains the way a driver would.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "devices/virtio/queue/queue.hpp"
#include "devices/virtio/queue/ring_layout.hpp"
#include "devices/virtio/virtio_device.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::virtio::testing {

// One buffer of a chain the test driver posts.
struct Buffer {
    uint64_t address = 0;
    uint32_t length = 0;
    bool writable = false;
};

class TestDriver {
  public:
    // Guest memory of 1 MiB at address 0 holding a queue of `size` entries; buffers are
    // handed out from kDataStart up.
    static constexpr uint64_t kMemorySize = 0x100000;
    static constexpr uint64_t kDescTable = 0x1000;
    static constexpr uint64_t kAvailRing = 0x3000;
    static constexpr uint64_t kUsedRing = 0x4000;
    static constexpr uint64_t kDataStart = 0x10000;

    explicit TestDriver(uint16_t size = 16);

    const std::shared_ptr<GuestMemory>& memory() const { return memory_; }
    uint16_t size() const { return size_; }
    // A queue as the transport would hand it to the device: programmed and ready.
    Queue make_queue(bool event_idx = false) const;
    // What the transport hands a one-queue device at DRIVER_OK: this driver's memory and
    // queue, its queue eventfd, and `interrupt`.
    ActivateContext activation(std::shared_ptr<Interrupt> interrupt, uint64_t acked_features,
                               EventLoop* event_loop = nullptr) const;
    const std::shared_ptr<EventFd>& queue_event() const { return queue_event_; }

    // Writes descriptor `index` of the table as is, with no checks (tests write bad ones).
    void set_desc(uint16_t index, uint64_t address, uint32_t length, uint16_t flags,
                  uint16_t next = 0);
    // Makes `head` the next entry of the available ring and publishes it.
    void publish(uint16_t head);
    // Chains `buffers` through free descriptors, publishes the chain and returns its head.
    uint16_t post(std::initializer_list<Buffer> buffers);
    uint16_t post(std::span<const Buffer> buffers);
    // Writes an indirect table of `buffers` at `table` and posts one descriptor pointing at it.
    uint16_t post_indirect(uint64_t table, std::span<const Buffer> buffers);

    // Guest memory for a buffer of `length` bytes (16-byte aligned, never reused).
    uint64_t allocate(uint32_t length);
    std::span<uint8_t> bytes(uint64_t address, uint64_t length) const;

    void set_avail_idx(uint16_t value);
    uint16_t avail_idx() const { return avail_idx_; }
    void set_avail_flags(uint16_t flags);
    void set_used_event(uint16_t value);
    uint16_t avail_event() const;
    uint16_t used_idx() const;
    VirtqUsedElem used_elem(uint16_t ring_index) const;

  private:
    uint16_t size_;
    std::shared_ptr<GuestMemory> memory_;
    std::shared_ptr<EventFd> queue_event_;
    uint16_t avail_idx_ = 0;
    uint16_t next_free_desc_ = 0;
    uint64_t next_data_ = kDataStart;
};

}  // namespace zapotec::virtio::testing
