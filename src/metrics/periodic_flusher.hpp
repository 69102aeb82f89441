// Calls a flush function every period (Firecracker writes its metrics every 60 s) from a
// timerfd watched by the event loop, so that the flush runs on the VMM thread like every
// other change of VM state.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "event/event_loop.hpp"

namespace zapotec {

class PeriodicFlusher {
  public:
    static constexpr std::chrono::seconds kDefaultPeriod{60};

    // Arms a periodic timer on `loop` that calls `flush` every `period`. The flusher must
    // be destroyed before the loop; destruction unregisters the timer.
    [[nodiscard]] static Result<std::unique_ptr<PeriodicFlusher>> start(
        EventLoop& loop, std::chrono::milliseconds period, std::function<void()> flush);
    ~PeriodicFlusher();

    PeriodicFlusher(const PeriodicFlusher&) = delete;
    PeriodicFlusher& operator=(const PeriodicFlusher&) = delete;

  private:
    PeriodicFlusher(EventLoop& loop, UniqueFd timer, std::function<void()> flush)
        : loop_(loop), timer_(std::move(timer)), flush_(std::move(flush)) {}
    void on_timer();

    EventLoop& loop_;
    UniqueFd timer_;
    std::function<void()> flush_;
};

}  // namespace zapotec
