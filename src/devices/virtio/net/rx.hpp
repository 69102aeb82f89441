// The receive side of virtio-net: chains popped from the RX queue are held by the device
// until a frame fills them, so a frame that needs more buffers than the driver has posted
// waits for the next kick without handing anything back half-filled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>

#include "base/error.hpp"
#include "devices/virtio/queue/queue.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::virtio {

enum class RxMode {
    Single,     // One chain per frame (no VIRTIO_NET_F_MRG_RXBUF).
    Mergeable,  // A frame may span chains; num_buffers says how many.
};

enum class RxReservation {
    Ready,      // The held chains can take the frame.
    NoBuffers,  // The driver has posted too few; wait for it to post more.
    TooSmall,   // The frame can never fit (drop it); the chains stay held for the next one.
};

class RxBuffers {
  public:
    // Pops chains until the held ones can take `length` bytes (header included). An error
    // means the driver broke the protocol (a bad ring, or a chain with readable buffers).
    [[nodiscard]] Result<RxReservation> reserve(Queue& queue, const GuestMemory& memory,
                                                size_t length, RxMode mode);
    // Copies `frame` (header first) into the held chains reserve() found room in, sets the
    // header's num_buffers, and returns those chains to the driver through the used ring.
    [[nodiscard]] Result<> deliver(Queue& queue, const GuestMemory& memory,
                                   std::span<uint8_t> frame, RxMode mode);

    // Chains popped and not yet returned; the queue's next_avail is ahead by this many.
    size_t held() const { return chains_.size(); }
    void clear() { chains_.clear(); }

  private:
    struct HeldChain {
        DescriptorChain chain;
        uint64_t capacity = 0;  // Bytes its writable buffers hold.
    };

    // How many held chains, from the front, the frame needs; 0 when they are not enough.
    size_t chains_needed(size_t length, RxMode mode) const;
    [[nodiscard]] static Result<uint32_t> fill(const GuestMemory& memory,
                                               const DescriptorChain& chain,
                                               std::span<const uint8_t> bytes);

    std::deque<HeldChain> chains_;
};

}  // namespace zapotec::virtio
