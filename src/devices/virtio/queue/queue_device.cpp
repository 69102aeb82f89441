// Activation, queue event handling and the processing loop shared by queue-driven devices.
#include "devices/virtio/queue/queue_device.hpp"

#include <fcntl.h>
#include <sys/epoll.h>

#include "base/log.hpp"

namespace zapotec::virtio {

namespace {

// A queue is served for at most this many rounds of its size in one go, so a driver that
// keeps refilling its ring cannot starve the other devices on the event loop.
constexpr size_t kRoundsPerRun = 4;

// Nor may it make one run move more than about this many bytes: a single block chain can
// describe gigabytes of synchronous I/O. Counted over the descriptors of the chains served,
// so one oversized chain still completes, and the queue is picked up again later.
constexpr uint64_t kBytesPerRun = 8 << 20;

// The loop thread must never block on a kick: a handler can run after another one already
// consumed the count (reset and activation race with the loop), so reads must not wait.
Result<> make_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || (!(flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0))
        return errno_error(fmt::format("make queue eventfd {} non-blocking", fd));
    return {};
}

}  // namespace

QueueDevice::~QueueDevice() {
    std::lock_guard lock(mutex_);
    unregister_events();
}

bool QueueDevice::active() const {
    std::lock_guard lock(mutex_);
    return context_.has_value();
}

Result<> QueueDevice::activate(ActivateContext context) {
    std::lock_guard lock(mutex_);
    if (context_)
        return make_error("{}: activated while already active", name());
    if (!context.memory || !context.interrupt)
        return make_error("{}: activated without guest memory or an interrupt", name());
    size_t count = queue_max_sizes().size();
    if (context.queues.size() != count || context.queue_events.size() != count) {
        return make_error("{}: activated with {} queues and {} queue events, expected {}", name(),
                          context.queues.size(), context.queue_events.size(), count);
    }
    bool event_idx = (context.acked_features & kFeatureRingEventIdx) != 0;
    for (size_t i = 0; i < count; ++i) {
        if (!context.queue_events[i])
            return make_error("{}: queue {} has no eventfd", name(), i);
        if (auto nonblocking = make_nonblocking(context.queue_events[i]->fd()); !nonblocking)
            return std::unexpected(nonblocking.error().context(name()));
        Queue& queue = context.queues[i];
        queue.state().event_idx = event_idx;
        if (!queue.state().ready)
            continue;
        if (auto valid = queue.validate(*context.memory); !valid) {
            return std::unexpected(valid.error().context(fmt::format("{} queue {}", name(), i)));
        }
    }

    std::weak_ptr<QueueDevice> weak = weak_from_this();
    if (context.event_loop && weak.expired())
        return make_error("{}: a device must be owned by a shared_ptr to be activated", name());
    broken_ = false;
    acked_features_ = context.acked_features;
    context_ = std::move(context);
    if (!context_->event_loop)
        return {};
    for (size_t i = 0; i < count; ++i) {
        std::shared_ptr<EventFd> event = context_->queue_events[i];
        auto added = context_->event_loop->add(event->fd(), EPOLLIN, [weak, event, i](uint32_t) {
            // Consume first, so that a device that is gone cannot leave the fd readable
            // and the loop spinning on it.
            (void)event->consume();
            if (auto self = weak.lock())
                self->process_queue(i);
        });
        if (!added) {
            unregister_events();
            context_.reset();
            acked_features_ = 0;
            return std::unexpected(added.error().context(name()));
        }
        registered_fds_.push_back(event->fd());
        // The driver may have posted buffers before it set DRIVER_OK; look at them soon.
        (void)event->signal();
    }
    return {};
}

void QueueDevice::reset() {
    std::lock_guard lock(mutex_);
    unregister_events();
    context_.reset();
    acked_features_ = 0;
    broken_ = false;
}

void QueueDevice::unregister_events() {
    if (context_ && context_->event_loop) {
        for (int fd : registered_fds_) {
            if (auto removed = context_->event_loop->remove(fd); !removed)
                spdlog::warn("{}", removed.error().message());
        }
    }
    registered_fds_.clear();
}

void QueueDevice::process_queue(size_t index) {
    std::lock_guard lock(mutex_);
    if (!context_ || broken_ || index >= context_->queues.size())
        return;
    Queue& queue = context_->queues[index];
    // A queue the driver never enabled was never validated (its size may be 0): ignore it.
    if (!queue.state().ready)
        return;
    const GuestMemory& memory = *context_->memory;
    size_t budget = kRoundsPerRun * queue.state().size;
    size_t completed = 0;
    uint64_t bytes = 0;
    for (;;) {
        if (completed == budget || bytes >= kBytesPerRun) {
            // Come back to this queue after the loop has served everyone else.
            (void)context_->queue_events[index]->signal();
            break;
        }
        auto chain = queue.pop(memory);
        if (!chain)
            return mark_broken(index, chain.error());
        if (!chain->has_value())
            break;
        for (const Descriptor& descriptor : (*chain)->descriptors)
            bytes += descriptor.length;
        auto written = handle_chain(index, memory, **chain);
        if (!written)
            return mark_broken(index, written.error());
        if (auto used = queue.add_used(memory, (*chain)->head, *written); !used)
            return mark_broken(index, used.error());
        ++completed;
    }
    if (completed == 0)
        return;
    auto notify = queue.needs_notification(memory);
    if (!notify)
        return mark_broken(index, notify.error());
    if (*notify)
        context_->interrupt->signal_queue(static_cast<uint16_t>(index));
}

void QueueDevice::mark_broken(size_t queue_index, const Error& error) {
    if (broken_.exchange(true))
        return;
    guest_warnings_.warn("{}: queue {}: {}; ignoring the driver until it resets the device", name(),
                         queue_index, error.message());
}

std::vector<QueueState> QueueDevice::queue_states() const {
    std::lock_guard lock(mutex_);
    std::vector<QueueState> states;
    if (context_) {
        for (const Queue& queue : context_->queues)
            states.push_back(queue.state());
    }
    return states;
}

}  // namespace zapotec::virtio
