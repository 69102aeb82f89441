// Moving frames: backend -> RX queue and TX queue -> backend, each run bounded so that one
// busy interface cannot starve the other devices on the event loop.
#include <sys/epoll.h>

#include "base/log.hpp"
#include "devices/virtio/net/net_device.hpp"
#include "devices/virtio/net/net_header.hpp"
#include "devices/virtio/net/offloads.hpp"

namespace zapotec::virtio {

namespace {

// Frames per run: a few rounds of the queue, like QueueDevice's budget.
constexpr size_t kFramesPerRun = 4 * NetDevice::kQueueSize;
// And bytes per run.
constexpr uint64_t kBytesPerRun = 8 << 20;

}  // namespace

void NetDevice::on_rx_kick() {
    std::lock_guard lock(mutex_);
    // New buffers: a backend that failed gets another chance, and a frame that waited for
    // buffers may now fit.
    rx_backend_failed_ = false;
    process_rx_locked();
}

void NetDevice::process_rx() {
    std::lock_guard lock(mutex_);
    process_rx_locked();
}

void NetDevice::process_rx_locked() {
    Queue* queue = serving(kRxQueue);
    if (!queue)
        return update_backend_watch();
    bool used = false;
    uint64_t bytes = 0;
    for (size_t frames = 0; frames < kFramesPerRun && bytes < kBytesPerRun; ++frames) {
        if (!rx_frame_length_) {
            if (rx_backend_failed_)
                break;
            auto read = backend_->read_frame(rx_frame_);
            if (!read) {
                ++metrics_.errors;
                backend_warnings_.warn("{}: {}: {}; pausing RX until the next kick", name(),
                                       backend_->name(), read.error().message());
                rx_backend_failed_ = true;
                break;
            }
            if (!*read)
                break;
            if (**read < kNetHeaderSize) {
                ++metrics_.rx_dropped;
                continue;
            }
            rx_frame_length_ = **read;
        }
        size_t length = *rx_frame_length_;
        if (!deliver_pending_rx(*queue, used))
            break;
        bytes += length;
    }
    // When the budget ran out the backend is still readable and the loop comes back to it
    // after serving everyone else.
    update_backend_watch();
    if (used && !broken_)
        notify(kRxQueue);
}

bool NetDevice::deliver_pending_rx(Queue& queue, bool& used) {
    const GuestMemory& memory = *context_->memory;
    size_t length = *rx_frame_length_;
    RxMode mode = (acked_features_ & kNetFeatureMrgRxbuf) ? RxMode::Mergeable : RxMode::Single;
    auto reservation = rx_buffers_.reserve(queue, memory, length, mode);
    if (!reservation) {
        mark_broken(kRxQueue, reservation.error());
        return false;
    }
    if (*reservation == RxReservation::NoBuffers)
        return false;
    if (*reservation == RxReservation::TooSmall) {
        ++metrics_.rx_dropped;
        rx_frame_length_.reset();
        rx_frame_admitted_ = false;
        return true;
    }
    uint64_t payload = length - kNetHeaderSize;
    if (!rx_frame_admitted_) {
        // A blocked limiter waits for its timer; asking again would count another refusal.
        if (rx_limiter_->blocked() || !rx_limiter_->consume(payload)) {
            ++metrics_.rx_throttled;
            return false;
        }
        rx_frame_admitted_ = true;
    }
    auto delivered = rx_buffers_.deliver(queue, memory, std::span(rx_frame_).first(length), mode);
    rx_frame_length_.reset();
    rx_frame_admitted_ = false;
    if (!delivered) {
        mark_broken(kRxQueue, delivered.error());
        return false;
    }
    used = true;
    metrics_.rx_bytes += payload;
    ++metrics_.rx_packets;
    return true;
}

void NetDevice::process_tx() {
    std::lock_guard lock(mutex_);
    process_tx_locked();
}

void NetDevice::process_tx_locked() {
    Queue* queue = serving(kTxQueue);
    if (!queue)
        return update_backend_watch();
    const GuestMemory& memory = *context_->memory;
    bool used = false;
    uint64_t bytes = 0;
    size_t frames = 0;
    for (;; ++frames) {
        if (frames == kFramesPerRun || bytes >= kBytesPerRun) {
            // Come back to this queue after the loop has served everyone else.
            (void)context_->queue_events[kTxQueue]->signal();
            break;
        }
        if (!tx_frame_) {
            auto chain = queue->pop(memory);
            if (!chain) {
                mark_broken(kTxQueue, chain.error());
                break;
            }
            if (!*chain)
                break;
            auto frame = gather_tx_frame(memory, **chain);
            if (!frame) {
                mark_broken(kTxQueue, frame.error());
                break;
            }
            if (!*frame) {
                // Too short, too long or in too many pieces: complete it unsent.
                ++metrics_.tx_dropped;
                if (auto done = queue->add_used(memory, (*chain)->head, 0); !done) {
                    mark_broken(kTxQueue, done.error());
                    break;
                }
                used = true;
                continue;
            }
            tx_frame_ = std::move(**frame);
        }
        size_t length = tx_frame_->length;
        if (!send_pending_tx())
            break;
        bytes += length;
        if (auto done = queue->add_used(memory, tx_frame_->head, 0); !done) {
            tx_frame_.reset();
            mark_broken(kTxQueue, done.error());
            break;
        }
        tx_frame_.reset();
        used = true;
    }
    update_backend_watch();
    if (used && !broken_)
        notify(kTxQueue);
}

bool NetDevice::send_pending_tx() {
    uint64_t payload = tx_frame_->length - kNetHeaderSize;
    if (!tx_frame_->admitted) {
        if (tx_limiter_->blocked() || !tx_limiter_->consume(payload)) {
            ++metrics_.tx_throttled;
            return false;
        }
        tx_frame_->admitted = true;
    }
    auto written = backend_->write_frame(tx_frame_->parts);
    if (written && !*written) {
        tx_waiting_for_backend_ = true;
        return false;
    }
    tx_waiting_for_backend_ = false;
    if (!written) {
        // The guest's frame is lost (a tap that is down answers EIO), but the queue goes on.
        ++metrics_.errors;
        ++metrics_.tx_dropped;
        backend_warnings_.warn("{}: {}: {}", name(), backend_->name(), written.error().message());
        return true;
    }
    metrics_.tx_bytes += payload;
    ++metrics_.tx_packets;
    return true;
}

}  // namespace zapotec::virtio
