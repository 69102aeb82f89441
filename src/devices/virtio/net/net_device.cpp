// The virtio network device: configuration space, features, activation, the event loop
// registrations (queue kicks, the backend fd, the rate limiters' timers), metrics and state.
// Moving frames is in net_io.cpp.
#include "devices/virtio/net/net_device.hpp"

#include <fcntl.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>

#include "base/log.hpp"
#include "devices/virtio/net/net_header.hpp"
#include "devices/virtio/net/offloads.hpp"
#include "net/mac_address.hpp"

namespace zapotec::virtio {

namespace {

// The smallest MTU an IPv4 host must support (RFC 791); Linux refuses less.
constexpr uint16_t kMinMtu = 68;

// "rx_rate_limiter" + "bandwidth.size: ..." -> "rx_rate_limiter.bandwidth.size: ...", the
// config file's path to the field.
Error field_error(const char* field, const Error& error) {
    return Error(fmt::format("{}.{}", field, error.message()), error.code());
}

Result<std::unique_ptr<RateLimiter>> make_limiter(const std::optional<RateLimiterConfig>& config,
                                                  const char* field) {
    auto limiter = RateLimiter::create(config.value_or(RateLimiterConfig{}));
    if (!limiter)
        return std::unexpected(field_error(field, limiter.error()));
    return std::move(*limiter);
}

// A kick handler can run after another one consumed the count, so reads must not wait.
Result<> set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || (!(flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0))
        return errno_error(fmt::format("make eventfd {} non-blocking", fd));
    return {};
}

}  // namespace

Result<std::shared_ptr<NetDevice>> NetDevice::create(NetConfig config,
                                                     std::unique_ptr<net::NetBackend> backend) {
    if (!backend)
        return make_error("net {}: no backend", config.iface_id);
    if (config.mtu && *config.mtu < kMinMtu)
        return make_error("mtu: {} is below the minimum of {}", *config.mtu, kMinMtu);
    if (config.guest_mac && net::is_multicast(*config.guest_mac)) {
        return make_error("guest_mac: {} is a multicast address",
                          net::format_mac(*config.guest_mac));
    }
    if (!config.guest_mac)
        config.guest_mac = TRY(net::generate_mac());
    auto rx = TRY(make_limiter(config.rx_rate_limiter, "rx_rate_limiter"));
    auto tx = TRY(make_limiter(config.tx_rate_limiter, "tx_rate_limiter"));
    return std::shared_ptr<NetDevice>(
        new NetDevice(std::move(config), std::move(backend), std::move(rx), std::move(tx)));
}

NetDevice::NetDevice(NetConfig config, std::unique_ptr<net::NetBackend> backend,
                     std::unique_ptr<RateLimiter> rx_limiter,
                     std::unique_ptr<RateLimiter> tx_limiter)
    : config_(std::move(config)),
      backend_(std::move(backend)),
      rx_limiter_(std::move(rx_limiter)),
      tx_limiter_(std::move(tx_limiter)),
      rx_frame_(kMaxFrameWithHeader) {
    std::memcpy(config_space_.mac, config_.guest_mac->data(), sizeof(config_space_.mac));
    config_space_.status = kNetStatusLinkUp;
    config_space_.max_virtqueue_pairs = 1;
    config_space_.mtu = config_.mtu.value_or(0);
}

NetDevice::~NetDevice() {
    std::lock_guard lock(mutex_);
    unregister_events();
}

std::string NetDevice::name() const {
    return fmt::format("net {}", config_.iface_id);
}

uint64_t NetDevice::device_features() const {
    uint64_t features = kFeatureVersion1 | kFeatureRingEventIdx | kFeatureRingIndirectDesc |
                        kNetFeatureMac | kNetFeatureStatus | kNetFeatureMrgRxbuf |
                        kNetHostOffloads | guest_offload_features(backend_->supported_offloads());
    if (config_.mtu)
        features |= kNetFeatureMtu;
    return features;
}

void NetDevice::read_config(uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
    if (data.empty() || offset >= sizeof(config_space_))
        return;
    size_t length = std::min<size_t>(data.size(), sizeof(config_space_) - offset);
    std::memcpy(data.data(), reinterpret_cast<const uint8_t*>(&config_space_) + offset, length);
}

void NetDevice::write_config(uint64_t offset, std::span<const uint8_t> data) {
    // The MAC is writable only by legacy drivers (without VIRTIO_F_VERSION_1).
    spdlog::debug("{}: ignoring a {}-byte config write at {:#x}", name(), data.size(), offset);
}

Result<> NetDevice::activate(ActivateContext context) {
    std::lock_guard lock(mutex_);
    if (context_)
        return make_error("{}: activated while already active", name());
    if (!context.memory || !context.interrupt)
        return make_error("{}: activated without guest memory or an interrupt", name());
    if (context.queues.size() != 2 || context.queue_events.size() != 2) {
        return make_error("{}: activated with {} queues and {} queue events, expected 2", name(),
                          context.queues.size(), context.queue_events.size());
    }
    bool event_idx = (context.acked_features & kFeatureRingEventIdx) != 0;
    for (size_t i = 0; i < context.queues.size(); ++i) {
        if (!context.queue_events[i])
            return make_error("{}: queue {} has no eventfd", name(), i);
        if (auto nonblocking = set_nonblocking(context.queue_events[i]->fd()); !nonblocking)
            return std::unexpected(nonblocking.error().context(name()));
        Queue& queue = context.queues[i];
        queue.state().event_idx = event_idx;
        if (!queue.state().ready)
            continue;
        if (auto valid = queue.validate(*context.memory); !valid)
            return std::unexpected(valid.error().context(fmt::format("{} queue {}", name(), i)));
    }
    if (context.event_loop && weak_from_this().expired())
        return make_error("{}: a device must be owned by a shared_ptr to be activated", name());
    // Tell the tap which offloaded frames the guest accepted before any frame is read.
    if (auto offloads = backend_->set_offloads(tun_offloads_for(context.acked_features));
        !offloads) {
        return std::unexpected(offloads.error().context(name()));
    }

    broken_ = false;
    acked_features_ = context.acked_features;
    context_ = std::move(context);
    if (auto registered = register_events(); !registered) {
        unregister_events();
        context_.reset();
        acked_features_ = 0;
        return std::unexpected(registered.error().context(name()));
    }
    return {};
}

Result<> NetDevice::register_events() {
    EventLoop* loop = context_->event_loop;
    if (!loop) {
        update_backend_watch();
        return {};
    }
    std::weak_ptr<NetDevice> weak = weak_from_this();
    for (size_t i = 0; i < context_->queue_events.size(); ++i) {
        std::shared_ptr<EventFd> event = context_->queue_events[i];
        TRY(loop->add(event->fd(), EPOLLIN, [weak, event, i](uint32_t) {
            // Consume first, so that a device that is gone cannot leave the loop spinning.
            (void)event->consume();
            if (auto self = weak.lock())
                i == kRxQueue ? self->on_rx_kick() : self->process_tx();
        }));
        registered_fds_.push_back(event->fd());
    }
    // A limiter's timer fires once the limiter may admit again; the timerfd is readable only
    // after it was armed by a refusal, and on_timer() reads it.
    for (auto [limiter, process] : {std::pair{rx_limiter_.get(), &NetDevice::process_rx},
                                    std::pair{tx_limiter_.get(), &NetDevice::process_tx}}) {
        TRY(loop->add(limiter->timer_fd(), EPOLLIN, [weak, limiter, process](uint32_t) {
            if (auto self = weak.lock()) {
                limiter->on_timer();
                (self.get()->*process)();
            }
        }));
        registered_fds_.push_back(limiter->timer_fd());
    }
    update_backend_watch();
    // The driver may have posted buffers before it set DRIVER_OK; look at them soon.
    for (const auto& event : context_->queue_events)
        (void)event->signal();
    return {};
}

void NetDevice::unregister_events() {
    EventLoop* loop = context_ ? context_->event_loop : nullptr;
    if (loop) {
        for (int fd : registered_fds_) {
            if (auto removed = loop->remove(fd); !removed)
                spdlog::warn("{}: {}", name(), removed.error().message());
        }
        if (backend_events_ != 0) {
            if (auto removed = loop->remove(backend_->fd()); !removed)
                spdlog::warn("{}: {}", name(), removed.error().message());
        }
    }
    registered_fds_.clear();
    backend_events_ = 0;
}

uint32_t NetDevice::wanted_backend_events() const {
    if (!context_ || broken_)
        return 0;
    uint32_t events = 0;
    // A frame that waits for RX buffers or the rate limiter keeps the backend unread:
    // watching a readable fd we will not read would spin the loop.
    if (context_->queues[kRxQueue].state().ready && !rx_frame_length_ && !rx_backend_failed_)
        events |= EPOLLIN;
    if (tx_frame_ && tx_waiting_for_backend_)
        events |= EPOLLOUT;
    return events;
}

void NetDevice::update_backend_watch() {
    uint32_t wanted = wanted_backend_events();
    EventLoop* loop = context_ ? context_->event_loop : nullptr;
    if (!loop) {
        backend_events_ = wanted;
        return;
    }
    if (wanted == backend_events_)
        return;
    if (backend_events_ != 0) {
        if (auto removed = loop->remove(backend_->fd()); !removed)
            spdlog::warn("{}: {}", name(), removed.error().message());
        backend_events_ = 0;
    }
    if (wanted == 0)
        return;
    std::weak_ptr<NetDevice> weak = weak_from_this();
    auto added = loop->add(backend_->fd(), wanted, [weak](uint32_t events) {
        if (auto self = weak.lock())
            self->on_backend_event(events);
    });
    if (!added) {
        // Without the watch no frame moves; the next kick tries again.
        backend_warnings_.warn("{}: {}", name(), added.error().message());
        return;
    }
    backend_events_ = wanted;
}

uint32_t NetDevice::backend_interest() const {
    std::lock_guard lock(mutex_);
    return backend_events_;
}

void NetDevice::on_backend_event(uint32_t events) {
    if (events & (EPOLLERR | EPOLLHUP)) {
        // An error condition stays reported whatever we read; stop watching until a kick.
        std::lock_guard lock(mutex_);
        backend_warnings_.warn("{}: backend {} reports an error; pausing RX until the next kick",
                               name(), backend_->name());
        rx_backend_failed_ = true;
        ++metrics_.errors;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        process_rx();
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
        process_tx();
}

void NetDevice::reset() {
    std::lock_guard lock(mutex_);
    unregister_events();
    context_.reset();
    acked_features_ = 0;
    broken_ = false;
    drop_rx_state();
    tx_frame_.reset();
    tx_waiting_for_backend_ = false;
}

void NetDevice::drop_rx_state() {
    rx_buffers_.clear();
    rx_frame_length_.reset();
    rx_frame_admitted_ = false;
    rx_backend_failed_ = false;
}

Queue* NetDevice::serving(size_t index) {
    if (!context_ || broken_)
        return nullptr;
    Queue& queue = context_->queues[index];
    // A queue the driver never enabled was never validated (its size may be 0): ignore it.
    return queue.state().ready ? &queue : nullptr;
}

void NetDevice::notify(size_t index) {
    Queue& queue = context_->queues[index];
    auto wanted = queue.needs_notification(*context_->memory);
    if (!wanted)
        return mark_broken(index, wanted.error());
    if (*wanted)
        context_->interrupt->signal_queue(static_cast<uint16_t>(index));
}

void NetDevice::mark_broken(size_t queue_index, const Error& error) {
    if (broken_.exchange(true))
        return;
    guest_warnings_.warn("{}: queue {}: {}; ignoring the driver until it resets the device", name(),
                         queue_index, error.message());
    update_backend_watch();
}

Result<> NetDevice::update_rate_limiters(const std::optional<RateLimiterConfig>& rx,
                                         const std::optional<RateLimiterConfig>& tx) {
    std::lock_guard lock(mutex_);
    if (rx) {
        if (auto updated = rx_limiter_->update(*rx); !updated)
            return std::unexpected(field_error("rx_rate_limiter", updated.error()));
        config_.rx_rate_limiter = rx_limiter_->config();
    }
    if (tx) {
        if (auto updated = tx_limiter_->update(*tx); !updated)
            return std::unexpected(field_error("tx_rate_limiter", updated.error()));
        config_.tx_rate_limiter = tx_limiter_->config();
    }
    return {};
}

void NetDevice::collect_metrics(MetricSink& sink) const {
    sink.counter("rx_bytes", metrics_.rx_bytes);
    sink.counter("rx_packets", metrics_.rx_packets);
    sink.counter("tx_bytes", metrics_.tx_bytes);
    sink.counter("tx_packets", metrics_.tx_packets);
    sink.counter("rx_dropped", metrics_.rx_dropped);
    sink.counter("tx_dropped", metrics_.tx_dropped);
    sink.counter("rx_throttled", metrics_.rx_throttled);
    sink.counter("tx_throttled", metrics_.tx_throttled);
    sink.counter("errors", metrics_.errors);
}

NetDevice::State NetDevice::save() const {
    std::lock_guard lock(mutex_);
    State state{config_, acked_features_.load(), {}};
    if (!context_)
        return state;
    for (const Queue& queue : context_->queues)
        state.queues.push_back(queue.state());
    // Chains the device popped and holds were never completed: the restored device pops
    // them again from the available ring.
    auto rewind = [](QueueState& queue, size_t count) {
        queue.next_avail = static_cast<uint16_t>(queue.next_avail - count);
    };
    rewind(state.queues[kRxQueue], rx_buffers_.held());
    rewind(state.queues[kTxQueue], tx_frame_ ? 1 : 0);
    return state;
}

}  // namespace zapotec::virtio
