// The transmit side of virtio-net: a TX chain's readable buffers, checked and gathered into
// iovecs over guest memory for one writev() to the backend.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/error.hpp"
#include "devices/virtio/queue/queue.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::virtio {

// A frame taken from the TX queue and not yet completed: it may wait for the rate limiter
// or for the backend to become writable.
struct TxFrame {
    uint16_t head = 0;
    std::vector<iovec> parts;  // Header first, then the frame; point into guest memory.
    size_t length = 0;         // Header included.
    bool admitted = false;     // The rate limiter has accounted for it.
};

// Gathers `chain` into a frame. nullopt means the frame is to be dropped (shorter than the
// header, longer than kMaxFrameWithHeader, or in more than 1024 pieces) and the chain
// completed; an error means the driver broke the protocol (a device-writable buffer).
[[nodiscard]] Result<std::optional<TxFrame>> gather_tx_frame(const GuestMemory& memory,
                                                             const DescriptorChain& chain);

}  // namespace zapotec::virtio
