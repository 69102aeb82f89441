// The API thread's way into the VMM thread: a task is posted to the VMM's EventLoop (a queue
// plus the loop's wake-up eventfd) and the API thread waits for its answer. The VMM thread is
// the only one that changes VM state, so every request runs there, one at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include "api/api_types.hpp"
#include "event/event_loop.hpp"

namespace zapotec::api {

class VmmChannel {
  public:
    // How long a request may wait for the VMM thread before the API gives up with 503.
    static constexpr std::chrono::seconds kDefaultTimeout{10};

    explicit VmmChannel(EventLoop& loop, std::chrono::milliseconds timeout = kDefaultTimeout)
        : loop_(loop), timeout_(timeout) {}

    // Runs `task` on the VMM thread and returns its response. When the channel is shut down
    // (before or while waiting) or the VMM does not answer in time, returns 503 instead: a
    // stopped event loop must not hang the API thread. A task that has not run yet when the
    // caller gives up still runs later if the loop resumes; its answer is dropped.
    [[nodiscard]] ApiResponse run(std::function<ApiResponse()> task);

    // Makes waiting and later calls give up at once. Thread-safe.
    void shutdown();

  private:
    EventLoop& loop_;
    std::chrono::milliseconds timeout_;
    std::atomic<bool> stopping_{false};
};

}  // namespace zapotec::api
