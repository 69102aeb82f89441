// The VMM's epoll event loop: device I/O (ioeventfds, taps, timers, the console) runs here,
// off the vCPU threads. add/remove/post are thread-safe; handlers run on the loop thread.
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

class EventLoop {
  public:
    using Handler = std::function<void(uint32_t events)>;

    [[nodiscard]] static Result<std::unique_ptr<EventLoop>> create();

    // Watches `fd` for `events` (EPOLLIN, ...); the handler gets the events that fired.
    [[nodiscard]] Result<> add(int fd, uint32_t events, Handler handler);
    [[nodiscard]] Result<> remove(int fd);
    // Runs `task` on the loop thread soon.
    void post(std::function<void()> task);

    // Dispatches events until stop() is called.
    [[nodiscard]] Result<> run();
    // Handles what is ready now, waiting at most `timeout_ms`; for tests and single-threaded use.
    [[nodiscard]] Result<> run_once(int timeout_ms);
    void stop();

  private:
    EventLoop(UniqueFd epoll, EventFd wake) : epoll_(std::move(epoll)), wake_(std::move(wake)) {}
    void run_posted_tasks();

    UniqueFd epoll_;
    EventFd wake_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::unordered_map<int, std::shared_ptr<Handler>> handlers_;
    std::vector<std::function<void()>> posted_;
};

}  // namespace zapotec
