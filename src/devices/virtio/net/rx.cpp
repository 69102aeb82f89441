// Holding RX chains and spreading a received frame over them.
#include "devices/virtio/net/rx.hpp"

#include <algorithm>
#include <cstring>

#include "devices/virtio/net/net_header.hpp"

namespace zapotec::virtio {

size_t RxBuffers::chains_needed(size_t length, RxMode mode) const {
    if (mode == RxMode::Single)
        return !chains_.empty() && chains_.front().capacity >= length ? 1 : 0;
    uint64_t capacity = 0;
    for (size_t i = 0; i < chains_.size(); ++i) {
        capacity += chains_[i].capacity;
        if (capacity >= length)
            return i + 1;
    }
    return 0;
}

Result<RxReservation> RxBuffers::reserve(Queue& queue, const GuestMemory& memory, size_t length,
                                         RxMode mode) {
    for (;;) {
        if (chains_needed(length, mode) > 0)
            return RxReservation::Ready;
        // Without mergeable buffers only the first chain counts: if it is held and too
        // small, no amount of posting helps this frame.
        if (mode == RxMode::Single && !chains_.empty())
            return RxReservation::TooSmall;
        // Every entry of the ring is held and together they are too small.
        if (chains_.size() >= queue.state().size)
            return RxReservation::TooSmall;
        auto popped = TRY(queue.pop(memory));
        if (!popped)
            return RxReservation::NoBuffers;
        HeldChain held{std::move(*popped), 0};
        for (const Descriptor& descriptor : held.chain.descriptors) {
            if (!descriptor.device_writable) {
                return make_error("RX chain {} has a device-readable buffer", held.chain.head);
            }
            held.capacity += descriptor.length;
        }
        if (held.capacity == 0)
            return make_error("RX chain {} has no buffer to write to", held.chain.head);
        chains_.push_back(std::move(held));
    }
}

Result<> RxBuffers::deliver(Queue& queue, const GuestMemory& memory, std::span<uint8_t> frame,
                            RxMode mode) {
    size_t count = chains_needed(frame.size(), mode);
    if (count == 0 || frame.size() < kNetHeaderSize)
        return make_error("RX frame of {} bytes delivered without room for it", frame.size());
    auto num_buffers = static_cast<uint16_t>(count);
    std::memcpy(frame.data() + offsetof(VirtioNetHeader, num_buffers), &num_buffers,
                sizeof(num_buffers));
    std::span<const uint8_t> rest = frame;
    for (size_t i = 0; i < count; ++i) {
        HeldChain held = std::move(chains_.front());
        chains_.pop_front();
        uint32_t written = TRY(fill(memory, held.chain, rest));
        rest = rest.subspan(written);
        TRY(queue.add_used(memory, held.chain.head, written));
    }
    return {};
}

Result<uint32_t> RxBuffers::fill(const GuestMemory& memory, const DescriptorChain& chain,
                                 std::span<const uint8_t> bytes) {
    uint32_t written = 0;
    for (const Descriptor& descriptor : chain.descriptors) {
        if (bytes.empty())
            break;
        size_t step = std::min<size_t>(descriptor.length, bytes.size());
        TRY(memory.write(descriptor.address, bytes.first(step)));
        bytes = bytes.subspan(step);
        written += static_cast<uint32_t>(step);
    }
    return written;
}

}  // namespace zapotec::virtio
