// A split virtqueue (virtio 1.x, section 2.7) as seen by the device. The guest controls
// every byte of the rings and descriptors, so everything read from them is validated:
// a bad queue yields an error, and the device that owns it then marks itself broken.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/error.hpp"
#include "memory/guest_address.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::virtio {

inline constexpr uint16_t kMaxQueueSize = 32768;
// The most descriptors one indirect table may hold; the spec bounds a queue, not a table,
// so this keeps a hostile table from making the device walk an unbounded list.
inline constexpr uint32_t kMaxIndirectDescriptors = kMaxQueueSize;

// One validated buffer of a chain: [address, address + length) lies inside one region of
// guest memory and is never empty (zero-length descriptors are dropped while popping).
struct Descriptor {
    GuestAddress address;
    uint32_t length = 0;
    bool device_writable = false;
};

// A validated descriptor chain popped from the available ring, with any indirect table
// already followed. Device-readable buffers come first, then device-writable ones.
struct DescriptorChain {
    uint16_t head = 0;  // Index to hand back through add_used().
    std::vector<Descriptor> descriptors;
};

// The queue registers the driver programs through the transport, and the device's
// progress through the rings: everything that snapshot and migration must carry.
struct QueueState {
    uint16_t max_size = 256;
    uint16_t size = 256;
    bool ready = false;
    uint64_t desc_table = 0;
    uint64_t avail_ring = 0;
    uint64_t used_ring = 0;
    uint16_t next_avail = 0;
    uint16_t next_used = 0;
    bool event_idx = false;       // VIRTIO_RING_F_EVENT_IDX negotiated.
    uint16_t signalled_used = 0;  // used idx at the last interrupt (event_idx suppression).
    bool signalled_used_valid = false;
};

class Queue {
  public:
    explicit Queue(uint16_t max_size = 256);

    QueueState& state() { return state_; }
    const QueueState& state() const { return state_; }

    // Checks what the driver programmed before the queue is used: size a power of two no
    // larger than max_size, ring addresses aligned and inside guest memory.
    [[nodiscard]] Result<> validate(const GuestMemory& memory) const;

    // The next available chain, or nullopt when the driver has posted nothing new. An error
    // means the driver broke the protocol (loop, bad index, out-of-range buffer, ...).
    // With EVENT_IDX, pop() publishes avail_event whenever it finds the ring empty and then
    // looks again, so a buffer the driver posts afterwards always comes with a kick.
    [[nodiscard]] Result<std::optional<DescriptorChain>> pop(const GuestMemory& memory);
    // Puts the chain popped last back at the front of the available ring, for a device that
    // cannot serve it yet (rate limited); the next pop() returns it again.
    void undo_pop() { --state_.next_avail; }
    // Returns a chain to the driver with `length` bytes written into its writable buffers.
    [[nodiscard]] Result<> add_used(const GuestMemory& memory, uint16_t head, uint32_t length);
    // Whether the driver wants an interrupt for what was added since the last one (honours
    // VIRTQ_AVAIL_F_NO_INTERRUPT and, when negotiated, used_event).
    [[nodiscard]] Result<bool> needs_notification(const GuestMemory& memory);

    // Back to the state after a device reset.
    void reset();

  private:
    [[nodiscard]] Result<DescriptorChain> read_chain(const GuestMemory& memory,
                                                     uint16_t head) const;
    [[nodiscard]] Result<uint16_t> read_avail_idx(const GuestMemory& memory) const;

    QueueState state_;
};

}  // namespace zapotec::virtio
