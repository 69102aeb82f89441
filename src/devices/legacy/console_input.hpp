// Feeds the host's console input (usually stdin) into the guest's UART on the event loop.
#pragma once

#include <memory>

#include "base/error.hpp"
#include "devices/legacy/serial.hpp"
#include "event/event_loop.hpp"

namespace zapotec::legacy {

// Reads whatever `fd` delivers (a terminal in raw mode, a pipe, a socket) on the event loop
// and hands it to Serial8250::enqueue_input(); bytes the UART cannot take are dropped there
// and counted. At end of input or on a read error it stops watching the fd, so a closed pipe
// does not spin the loop. An fd epoll cannot watch (a regular file, /dev/null) is read once,
// up to what the UART can hold, when forwarding starts.
class ConsoleInput {
  public:
    // `loop` must outlive the returned object; `fd` is duplicated, the caller keeps its own.
    [[nodiscard]] static Result<std::unique_ptr<ConsoleInput>> start(
        EventLoop& loop, int fd, std::shared_ptr<Serial8250> serial);
    ~ConsoleInput();

    ConsoleInput(const ConsoleInput&) = delete;
    ConsoleInput& operator=(const ConsoleInput&) = delete;

    // False once the input has ended (or failed) and is no longer watched.
    bool active() const;

  private:
    struct Source;
    explicit ConsoleInput(std::shared_ptr<Source> source) : source_(std::move(source)) {}
    std::shared_ptr<Source> source_;
};

}  // namespace zapotec::legacy
