// Checking and gathering a TX chain.
#include "devices/virtio/net/tx.hpp"

#include "devices/virtio/net/net_header.hpp"

namespace zapotec::virtio {

namespace {

// writev() takes at most this many parts (UIO_MAXIOV); a chain of more is dropped.
constexpr size_t kMaxTxParts = 1024;

}  // namespace

Result<std::optional<TxFrame>> gather_tx_frame(const GuestMemory& memory,
                                               const DescriptorChain& chain) {
    TxFrame frame;
    frame.head = chain.head;
    for (const Descriptor& descriptor : chain.descriptors) {
        if (descriptor.device_writable)
            return make_error("TX chain {} has a device-writable buffer", chain.head);
        frame.length += descriptor.length;
    }
    // The queue bounds a chain to 4 GiB in all, so the sum above cannot overflow.
    if (frame.length < kNetHeaderSize || frame.length > kMaxFrameWithHeader ||
        chain.descriptors.size() > kMaxTxParts)
        return std::nullopt;
    frame.parts.reserve(chain.descriptors.size());
    for (const Descriptor& descriptor : chain.descriptors) {
        auto bytes = TRY(memory.slice(descriptor.address, descriptor.length));
        frame.parts.push_back({bytes.data(), bytes.size()});
    }
    return frame;
}

}  // namespace zapotec::virtio
