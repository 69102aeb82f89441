// Activation, queue event handling and the processing loop shared by queue-driven devices.
#include "devices/virtio/queue/queue_device.hpp"

#include <fcntl.h>
#include <sys/epoll.h>

#include "base/log.hpp"
#include "rate_limiter/rate_limiter.hpp"

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

    if (context.event_loop && weak_from_this().expired())
        return make_error("{}: a device must be owned by a shared_ptr to be activated", name());
    broken_ = false;
    acked_features_ = context.acked_features;
    ++generation_;
    context_ = std::move(context);
    if (!context_->event_loop)
        return {};
    if (auto registered = register_events(); !registered) {
        unregister_events();
        context_.reset();
        acked_features_ = 0;
        ++generation_;
        return std::unexpected(registered.error().context(name()));
    }
    return {};
}

Result<> QueueDevice::watch(int fd, EventLoop::Handler handler) {
    TRY(context_->event_loop->add(fd, EPOLLIN, std::move(handler)));
    registered_fds_.push_back(fd);
    return {};
}

Result<> QueueDevice::register_events() {
    std::weak_ptr<QueueDevice> weak = weak_from_this();
    for (size_t i = 0; i < context_->queue_events.size(); ++i) {
        std::shared_ptr<EventFd> event = context_->queue_events[i];
        TRY(watch(event->fd(), [weak, event, i](uint32_t) {
            // Consume first, so that a device that is gone cannot leave the fd readable
            // and the loop spinning on it.
            (void)event->consume();
            if (auto self = weak.lock())
                self->process_queue(i);
        }));
        if (RateLimiter* limiter = queue_rate_limiter(i)) {
            TRY(watch(limiter->timer_fd(), [weak, i](uint32_t) {
                if (auto self = weak.lock())
                    self->on_limiter_timer(i);
            }));
        }
        // The driver may have posted buffers before it set DRIVER_OK; look at them soon.
        (void)event->signal();
    }
    for (int fd : device_event_fds()) {
        TRY(watch(fd, [weak, fd](uint32_t) {
            if (auto self = weak.lock())
                self->on_device_event(fd);
        }));
    }
    return {};
}

void QueueDevice::on_limiter_timer(size_t index) {
    {
        std::lock_guard lock(mutex_);
        if (RateLimiter* limiter = queue_rate_limiter(index))
            limiter->on_timer();
    }
    process_queue(index);
}

void QueueDevice::reset() {
    {
        std::lock_guard lock(mutex_);
        unregister_events();
        context_.reset();
        acked_features_ = 0;
        broken_ = false;
        ++generation_;
    }
    on_reset();
}

void QueueDevice::kick_queues() {
    std::lock_guard lock(mutex_);
    if (!context_)
        return;
    for (const auto& event : context_->queue_events)
        (void)event->signal();
}

void QueueDevice::signal_config_change() {
    std::lock_guard lock(mutex_);
    if (context_)
        context_->interrupt->signal_config();
}

void QueueDevice::locked(const std::function<void()>& task) const {
    std::lock_guard lock(mutex_);
    task();
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
    // A throttled queue waits for its limiter's timer, which serves it again.
    RateLimiter* limiter = queue_rate_limiter(index);
    if (limiter && limiter->blocked())
        return;
    const GuestMemory& memory = *context_->memory;
    size_t budget = kRoundsPerRun * queue.state().size;
    size_t completed = 0;
    size_t published = 0;
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
        auto outcome = handle_chain(index, memory, **chain);
        if (!outcome)
            return mark_broken(index, outcome.error());
        if (outcome->kind == ChainOutcome::Kind::Throttled) {
            if (!limiter) {
                return mark_broken(index, Error("throttled without a rate limiter"));
            }
            queue.undo_pop();
            break;
        }
        for (const Descriptor& descriptor : (*chain)->descriptors)
            bytes += descriptor.length;
        ++completed;
        if (outcome->kind == ChainOutcome::Kind::Pending)
            continue;
        if (auto used = queue.add_used(memory, (*chain)->head, outcome->written); !used)
            return mark_broken(index, used.error());
        ++published;
    }
    if (published > 0)
        notify(index);
}

void QueueDevice::complete(uint64_t generation, std::span<const Completion> completions,
                           const std::function<void(const Completion&)>& prepare) {
    std::lock_guard lock(mutex_);
    if (!context_ || broken_ || generation != generation_)
        return;
    std::vector<bool> touched(context_->queues.size(), false);
    for (const Completion& completion : completions) {
        if (completion.queue_index >= context_->queues.size())
            continue;
        if (prepare)
            prepare(completion);
        Queue& queue = context_->queues[completion.queue_index];
        if (auto used = queue.add_used(*context_->memory, completion.head, completion.written);
            !used)
            return mark_broken(completion.queue_index, used.error());
        touched[completion.queue_index] = true;
    }
    for (size_t i = 0; i < touched.size(); ++i) {
        if (touched[i])
            notify(i);
    }
}

void QueueDevice::notify(size_t index) {
    auto wanted = context_->queues[index].needs_notification(*context_->memory);
    if (!wanted)
        return mark_broken(index, wanted.error());
    if (*wanted)
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
