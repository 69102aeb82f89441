// The device side of a split virtqueue: pops validated descriptor chains from the available
// ring and publishes completions on the used ring, never trusting a byte the guest wrote.
#include "devices/virtio/queue/queue.hpp"

#include <atomic>
#include <cstring>
#include <limits>

#include "devices/virtio/queue/ring_layout.hpp"

namespace zapotec::virtio {

namespace {

bool is_power_of_two(uint32_t value) {
    return value != 0 && (value & (value - 1)) == 0;
}

// A host pointer to a 16-bit ring field that the guest reads or writes concurrently. The
// field is naturally aligned: the ring addresses were checked and guest regions are mapped
// on page boundaries, so a std::atomic_ref on it is well-formed.
Result<uint16_t*> ring_field(const GuestMemory& memory, uint64_t address) {
    auto bytes = TRY(memory.slice(GuestAddress(address), sizeof(uint16_t)));
    if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(uint16_t) != 0) {
        return make_error("virtqueue field at {:#x} is not aligned", address);
    }
    return reinterpret_cast<uint16_t*>(bytes.data());
}

Result<uint16_t> load_field(const GuestMemory& memory, uint64_t address) {
    uint16_t* field = TRY(ring_field(memory, address));
    return std::atomic_ref<uint16_t>(*field).load(std::memory_order_relaxed);
}

Result<> store_field(const GuestMemory& memory, uint64_t address, uint16_t value) {
    uint16_t* field = TRY(ring_field(memory, address));
    std::atomic_ref<uint16_t>(*field).store(value, std::memory_order_relaxed);
    return {};
}

// Collects the buffers of one chain, enforcing the rules every descriptor must follow.
class ChainBuilder {
  public:
    ChainBuilder(const GuestMemory& memory, uint16_t head) : memory_(memory) { chain_.head = head; }

    Result<> add(const VirtqDesc& desc) {
        bool writable = (desc.flags & kDescFlagWrite) != 0;
        // An empty buffer moves no bytes, so its address and place in the chain do not matter.
        if (desc.len == 0)
            return {};
        if (!writable && writable_seen_) {
            return make_error("virtqueue chain {}: a device-readable buffer follows a writable one",
                              chain_.head);
        }
        writable_seen_ = writable_seen_ || writable;
        if (!memory_.contains_range(GuestAddress(desc.addr), desc.len)) {
            return make_error("virtqueue chain {}: buffer {:#x}+{:#x} is outside guest memory",
                              chain_.head, desc.addr, desc.len);
        }
        total_length_ += desc.len;
        if (total_length_ > std::numeric_limits<uint32_t>::max()) {
            return make_error("virtqueue chain {}: buffers add up to more than 4 GiB", chain_.head);
        }
        chain_.descriptors.push_back({GuestAddress(desc.addr), desc.len, writable});
        return {};
    }

    // Follows an indirect table (virtio 1.x, 2.7.5.3): a non-empty whole number of
    // descriptors inside guest memory, none of them indirect, chained without loops.
    Result<> add_indirect(const VirtqDesc& desc) {
        if (desc.len == 0 || desc.len % sizeof(VirtqDesc) != 0) {
            return make_error(
                "virtqueue chain {}: indirect table length {:#x} is not a multiple "
                "of 16",
                chain_.head, desc.len);
        }
        uint32_t count = desc.len / static_cast<uint32_t>(sizeof(VirtqDesc));
        if (count > kMaxIndirectDescriptors) {
            return make_error("virtqueue chain {}: indirect table of {} descriptors is too long",
                              chain_.head, count);
        }
        auto table = memory_.slice(GuestAddress(desc.addr), desc.len);
        if (!table) {
            return make_error(
                "virtqueue chain {}: indirect table {:#x}+{:#x} is outside guest "
                "memory",
                chain_.head, desc.addr, desc.len);
        }
        uint32_t index = 0;
        for (uint32_t walked = 0;; ++walked) {
            if (walked >= count) {
                return make_error("virtqueue chain {}: indirect table loops", chain_.head);
            }
            VirtqDesc entry;
            std::memcpy(&entry, table->data() + index * sizeof(VirtqDesc), sizeof(entry));
            if (entry.flags & kDescFlagIndirect) {
                return make_error("virtqueue chain {}: nested indirect table", chain_.head);
            }
            TRY(add(entry));
            if (!(entry.flags & kDescFlagNext))
                return {};
            if (entry.next >= count) {
                return make_error("virtqueue chain {}: indirect next {} is beyond the table of {}",
                                  chain_.head, entry.next, count);
            }
            index = entry.next;
        }
    }

    DescriptorChain take() { return std::move(chain_); }

  private:
    const GuestMemory& memory_;
    DescriptorChain chain_;
    bool writable_seen_ = false;
    uint64_t total_length_ = 0;
};

}  // namespace

Queue::Queue(uint16_t max_size) {
    state_.max_size = max_size;
    state_.size = max_size;
}

void Queue::reset() {
    uint16_t max_size = state_.max_size;
    state_ = QueueState{};
    state_.max_size = max_size;
    state_.size = max_size;
}

Result<> Queue::validate(const GuestMemory& memory) const {
    const QueueState& s = state_;
    if (!is_power_of_two(s.size) || s.size > s.max_size || s.size > kMaxQueueSize) {
        return make_error("virtqueue size {} is not a power of two up to {}", s.size, s.max_size);
    }
    if (s.desc_table % kDescTableAlign != 0 || s.avail_ring % kAvailRingAlign != 0 ||
        s.used_ring % kUsedRingAlign != 0) {
        return make_error("virtqueue rings at {:#x}/{:#x}/{:#x} are not aligned", s.desc_table,
                          s.avail_ring, s.used_ring);
    }
    if (!memory.contains_range(GuestAddress(s.desc_table), desc_table_bytes(s.size))) {
        return make_error("virtqueue descriptor table at {:#x} is outside guest memory",
                          s.desc_table);
    }
    if (!memory.contains_range(GuestAddress(s.avail_ring), avail_ring_bytes(s.size))) {
        return make_error("virtqueue available ring at {:#x} is outside guest memory",
                          s.avail_ring);
    }
    if (!memory.contains_range(GuestAddress(s.used_ring), used_ring_bytes(s.size))) {
        return make_error("virtqueue used ring at {:#x} is outside guest memory", s.used_ring);
    }
    return {};
}

Result<uint16_t> Queue::read_avail_idx(const GuestMemory& memory) const {
    return load_field(memory, state_.avail_ring + kAvailIdxOffset);
}

Result<std::optional<DescriptorChain>> Queue::pop(const GuestMemory& memory) {
    if (!state_.ready)
        return std::nullopt;
    TRY(validate(memory));
    uint16_t avail_idx = TRY(read_avail_idx(memory));
    if (avail_idx == state_.next_avail && state_.event_idx) {
        // Ask for a kick at the next entry, then look again: the driver may have posted one
        // after our first read but before it could see avail_event.
        TRY(store_field(memory, state_.used_ring + avail_event_offset(state_.size),
                        state_.next_avail));
        std::atomic_thread_fence(std::memory_order_seq_cst);
        avail_idx = TRY(read_avail_idx(memory));
    }
    uint16_t pending = static_cast<uint16_t>(avail_idx - state_.next_avail);
    if (pending > state_.size) {
        return make_error(
            "virtqueue available index {} ran {} entries ahead of {} in a queue of {}", avail_idx,
            pending, state_.next_avail, state_.size);
    }
    if (pending == 0)
        return std::nullopt;
    // The ring entries were written before the index that published them.
    std::atomic_thread_fence(std::memory_order_acquire);

    uint16_t slot = state_.next_avail & static_cast<uint16_t>(state_.size - 1);
    uint16_t head = TRY(load_field(memory, state_.avail_ring + kAvailRingOffset + 2ull * slot));
    if (head >= state_.size) {
        return make_error("virtqueue head index {} is beyond the queue of {}", head, state_.size);
    }
    DescriptorChain chain = TRY(read_chain(memory, head));
    ++state_.next_avail;
    return chain;
}

Result<DescriptorChain> Queue::read_chain(const GuestMemory& memory, uint16_t head) const {
    ChainBuilder builder(memory, head);
    uint16_t index = head;
    // A chain visits each descriptor at most once, so more steps than entries means a loop.
    for (uint32_t walked = 0;; ++walked) {
        if (walked >= state_.size) {
            return make_error("virtqueue chain {} is longer than the queue (a loop?)", head);
        }
        auto desc =
            TRY(memory.read_obj<VirtqDesc>(GuestAddress(state_.desc_table) + index * 16ull));
        if (desc.flags & kDescFlagIndirect) {
            // An indirect descriptor ends the chain (the driver may not set NEXT with it).
            if (desc.flags & kDescFlagNext) {
                return make_error("virtqueue chain {}: indirect descriptor with NEXT", head);
            }
            TRY(builder.add_indirect(desc));
            return builder.take();
        }
        TRY(builder.add(desc));
        if (!(desc.flags & kDescFlagNext))
            return builder.take();
        if (desc.next >= state_.size) {
            return make_error("virtqueue chain {}: next {} is beyond the queue of {}", head,
                              desc.next, state_.size);
        }
        index = desc.next;
    }
}

Result<> Queue::add_used(const GuestMemory& memory, uint16_t head, uint32_t length) {
    if (!state_.ready)
        return make_error("virtqueue add_used on a queue that is not ready");
    TRY(validate(memory));
    if (head >= state_.size) {
        return make_error("virtqueue add_used of head {} beyond the queue of {}", head,
                          state_.size);
    }
    uint16_t slot = state_.next_used & static_cast<uint16_t>(state_.size - 1);
    GuestAddress element(state_.used_ring + kUsedRingOffset + sizeof(VirtqUsedElem) * slot);
    TRY(memory.write_obj(element, VirtqUsedElem{head, length}));
    // The element must be visible before the index that publishes it.
    std::atomic_thread_fence(std::memory_order_release);
    ++state_.next_used;
    TRY(store_field(memory, state_.used_ring + kUsedIdxOffset, state_.next_used));
    return {};
}

Result<bool> Queue::needs_notification(const GuestMemory& memory) {
    if (!state_.ready)
        return make_error("virtqueue needs_notification on a queue that is not ready");
    TRY(validate(memory));
    // The used index we published must be visible before we read what the driver asked
    // for, or we could miss its request for an interrupt (virtio 1.x, 2.7.7.2).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (state_.event_idx) {
        uint16_t used_event =
            TRY(load_field(memory, state_.avail_ring + used_event_offset(state_.size)));
        uint16_t old_used = state_.signalled_used;
        bool was_valid = state_.signalled_used_valid;
        state_.signalled_used = state_.next_used;
        state_.signalled_used_valid = true;
        // After a reset or restore we do not know what the driver last saw: tell it.
        if (!was_valid)
            return true;
        return vring_need_event(used_event, state_.next_used, old_used);
    }
    uint16_t flags = TRY(load_field(memory, state_.avail_ring + kAvailFlagsOffset));
    return (flags & kAvailFlagNoInterrupt) == 0;
}

}  // namespace zapotec::virtio
