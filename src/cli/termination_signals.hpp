// SIGINT, SIGTERM and SIGHUP as events on the loop, for the API mode: they end the VMM
// through the controller, so the terminal is restored, the socket removed and the last
// metrics line written on the way out.
#pragma once

#include <functional>
#include <memory>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "event/event_loop.hpp"

namespace zapotec {

class TerminationSignals {
  public:
    // Blocks the signals in the calling thread, so that every thread started afterwards
    // inherits the mask and only the signalfd sees them, and calls `on_signal` with the
    // signal's number and name on the loop thread. Call before starting any thread.
    [[nodiscard]] static Result<std::unique_ptr<TerminationSignals>> watch(
        EventLoop& loop, std::function<void(int signo, const char* name)> on_signal);
    ~TerminationSignals();

    TerminationSignals(const TerminationSignals&) = delete;
    TerminationSignals& operator=(const TerminationSignals&) = delete;

  private:
    TerminationSignals(EventLoop& loop, UniqueFd fd) : loop_(loop), fd_(std::move(fd)) {}

    EventLoop& loop_;
    UniqueFd fd_;
};

}  // namespace zapotec
