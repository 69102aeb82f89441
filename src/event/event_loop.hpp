// The VMM's epoll event loop: device I/O (ioeventfds, taps, timers, the console) runs here,
// off the vCPU threads. add/remove/post are thread-safe; handlers run on the loop thread.
// While the VM is paused the loop stops dispatching device events but keeps running posted
// tasks and control fds (the API's wakeups, the termination signalfd).
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/error.hpp"
#include "base/event_fd.hpp"
#include "base/unique_fd.hpp"

namespace zapotec {

// Whether pause_devices() holds back an fd's events.
enum class EventClass {
    kDevice,   // Guest-visible work: ioeventfds, taps, timerfds, io_uring completions.
    kControl,  // The VMM's own control path: signals, API wakeups. Never held back.
};

class EventLoop {
  public:
    using Handler = std::function<void(uint32_t events)>;

    [[nodiscard]] static Result<std::unique_ptr<EventLoop>> create();

    // Watches `fd` for `events` (EPOLLIN, ...); the handler gets the events that fired.
    [[nodiscard]] Result<> add(int fd, uint32_t events, Handler handler,
                               EventClass event_class = EventClass::kDevice);
    [[nodiscard]] Result<> remove(int fd);
    // Runs `task` on the loop thread soon (also while devices are paused).
    void post(std::function<void()> task);

    // Stops dispatching the events of kDevice fds until resume_devices(); their handlers
    // stay registered, and add()/remove() keep working meanwhile. A device fd that becomes
    // ready while paused is dispatched after resume_devices(). Idempotent.
    void pause_devices();
    void resume_devices();
    bool devices_paused() const;

    // Dispatches events until stop() is called.
    [[nodiscard]] Result<> run();
    // Handles what is ready now, waiting at most `timeout_ms`; for tests and single-threaded use.
    [[nodiscard]] Result<> run_once(int timeout_ms);
    void stop();

  private:
    struct Entry {
        std::shared_ptr<Handler> handler;
        uint32_t events = 0;
        EventClass event_class = EventClass::kDevice;
        bool in_epoll = false;  // False for device fds while paused.
    };

    EventLoop(UniqueFd epoll, EventFd wake) : epoll_(std::move(epoll)), wake_(std::move(wake)) {}
    void run_posted_tasks();
    // The handler to call for an event on `fd`, or null (removed, or a paused device fd).
    std::shared_ptr<Handler> handler_for(int fd);
    [[nodiscard]] Result<> epoll_add(int fd, uint32_t events);

    UniqueFd epoll_;
    EventFd wake_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    bool devices_paused_ = false;
    std::unordered_map<int, Entry> entries_;
    std::vector<std::function<void()>> posted_;
};

}  // namespace zapotec
