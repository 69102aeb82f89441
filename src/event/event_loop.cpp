// The epoll event loop, and holding back device events while the VM is paused.
#include "event/event_loop.hpp"

#include <sys/eventfd.h>

#include <array>

#include "base/log.hpp"

namespace zapotec {

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
    int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0)
        return errno_error("epoll_create1");
    UniqueFd epoll(fd);
    auto wake = TRY(EventFd::create(EFD_NONBLOCK));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = wake.fd();
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.fd(), &event) < 0) {
        return errno_error("epoll_ctl add wake eventfd");
    }
    return std::unique_ptr<EventLoop>(new EventLoop(std::move(epoll), std::move(wake)));
}

Result<> EventLoop::epoll_add(int fd, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
        return errno_error(fmt::format("epoll_ctl add fd {}", fd));
    }
    return {};
}

Result<> EventLoop::add(int fd, uint32_t events, Handler handler, EventClass event_class) {
    std::lock_guard lock(mutex_);
    // epoll refuses an fd it watches; one held back by a pause is refused here the same way.
    if (auto it = entries_.find(fd); it != entries_.end() && !it->second.in_epoll)
        return std::unexpected(Error::from_code(EEXIST, fmt::format("epoll_ctl add fd {}", fd)));
    // Adding checks the fd even when a pause keeps it out of the epoll set for now.
    TRY(epoll_add(fd, events));
    bool held_back = devices_paused_ && event_class == EventClass::kDevice;
    if (held_back)
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    entries_[fd] =
        Entry{std::make_shared<Handler>(std::move(handler)), events, event_class, !held_back};
    return {};
}

Result<> EventLoop::remove(int fd) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(fd);
    bool in_epoll = it == entries_.end() || it->second.in_epoll;
    if (it != entries_.end())
        entries_.erase(it);
    if (in_epoll && ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr) < 0) {
        return errno_error(fmt::format("epoll_ctl del fd {}", fd));
    }
    return {};
}

void EventLoop::post(std::function<void()> task) {
    {
        std::lock_guard lock(mutex_);
        posted_.push_back(std::move(task));
    }
    (void)wake_.signal();
}

void EventLoop::pause_devices() {
    std::lock_guard lock(mutex_);
    if (devices_paused_)
        return;
    devices_paused_ = true;
    // Taking the fds out of the epoll set (rather than ignoring their events) means a
    // level-triggered fd that stays ready cannot spin the loop while the VM is paused.
    for (auto& [fd, entry] : entries_) {
        if (entry.event_class != EventClass::kDevice || !entry.in_epoll)
            continue;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr) < 0)
            spdlog::warn("pausing device events: epoll_ctl del fd {}: {}", fd, strerror(errno));
        entry.in_epoll = false;
    }
}

void EventLoop::resume_devices() {
    std::lock_guard lock(mutex_);
    if (!devices_paused_)
        return;
    devices_paused_ = false;
    // Adding an fd back polls it: what became ready while paused fires now, also for
    // edge-triggered fds.
    for (auto& [fd, entry] : entries_) {
        if (entry.in_epoll)
            continue;
        if (auto added = epoll_add(fd, entry.events); !added) {
            spdlog::warn("resuming device events: {}", added.error().message());
            continue;
        }
        entry.in_epoll = true;
    }
}

bool EventLoop::devices_paused() const {
    std::lock_guard lock(mutex_);
    return devices_paused_;
}

void EventLoop::stop() {
    stopping_ = true;
    (void)wake_.signal();
}

void EventLoop::run_posted_tasks() {
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(mutex_);
        tasks.swap(posted_);
    }
    for (auto& task : tasks)
        task();
}

std::shared_ptr<EventLoop::Handler> EventLoop::handler_for(int fd) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(fd);
    // An fd paused by an earlier handler of the same batch is skipped; it is polled again
    // when added back.
    if (it == entries_.end() || !it->second.in_epoll)
        return nullptr;
    return it->second.handler;
}

Result<> EventLoop::run_once(int timeout_ms) {
    std::array<epoll_event, 32> events;
    int count =
        ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
    if (count < 0) {
        if (errno == EINTR)
            return {};
        return errno_error("epoll_wait");
    }
    for (int i = 0; i < count; ++i) {
        int fd = events[static_cast<size_t>(i)].data.fd;
        if (fd == wake_.fd()) {
            (void)wake_.consume();
            run_posted_tasks();
            continue;
        }
        if (auto handler = handler_for(fd))
            (*handler)(events[static_cast<size_t>(i)].events);
    }
    return {};
}

Result<> EventLoop::run() {
    while (!stopping_)
        TRY(run_once(-1));
    return {};
}

}  // namespace zapotec
