#include "event/event_loop.hpp"

#include <sys/eventfd.h>

#include <array>

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

Result<> EventLoop::add(int fd, uint32_t events, Handler handler) {
    std::lock_guard lock(mutex_);
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
        return errno_error(fmt::format("epoll_ctl add fd {}", fd));
    }
    handlers_[fd] = std::make_shared<Handler>(std::move(handler));
    return {};
}

Result<> EventLoop::remove(int fd) {
    std::lock_guard lock(mutex_);
    handlers_.erase(fd);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr) < 0) {
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
        std::shared_ptr<Handler> handler;
        {
            std::lock_guard lock(mutex_);
            auto it = handlers_.find(fd);
            if (it != handlers_.end())
                handler = it->second;
        }
        if (handler)
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
