// ConsoleInput: the event-loop handler that moves host input into the UART.
#include "devices/legacy/console_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>

#include "base/log.hpp"

namespace zapotec::legacy {

namespace {
constexpr size_t kReadChunk = 512;
}  // namespace

// Shared between the ConsoleInput and the handler registered on the loop, so that the fd and
// the UART stay alive while a handler runs even if the ConsoleInput is being destroyed.
struct ConsoleInput::Source {
    UniqueFd fd;
    std::shared_ptr<Serial8250> serial;
    EventLoop* loop = nullptr;
    std::atomic<bool> watched{false};

    // Reads once; returns false when the input has ended or failed.
    bool forward() {
        std::array<uint8_t, kReadChunk> buffer;
        ssize_t count = ::read(fd.get(), buffer.data(), buffer.size());
        if (count > 0) {
            serial->enqueue_input(std::span(buffer.data(), static_cast<size_t>(count)));
            return true;
        }
        if (count < 0 && (errno == EAGAIN || errno == EINTR))
            return true;
        if (count < 0)
            spdlog::debug("console input: read failed: {}", std::strerror(errno));
        return false;
    }

    void stop() {
        if (watched.exchange(false))
            (void)loop->remove(fd.get());
    }
};

Result<std::unique_ptr<ConsoleInput>> ConsoleInput::start(EventLoop& loop, int fd,
                                                          std::shared_ptr<Serial8250> serial) {
    int duplicate = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (duplicate < 0)
        return errno_error("dup console input fd");
    auto source = std::make_shared<Source>();
    source->fd = UniqueFd(duplicate);
    source->serial = std::move(serial);
    source->loop = &loop;

    source->watched = true;
    auto added = loop.add(source->fd.get(), EPOLLIN, [source](uint32_t) {
        if (!source->forward())
            source->stop();
    });
    if (!added) {
        source->watched = false;
        if (added.error().code() != EPERM)
            return std::unexpected(added.error().context("watch console input"));
        // epoll refuses files that are always readable; take what fits now.
        uint64_t dropped_before = source->serial->stats().input_dropped;
        while (source->forward() && source->serial->stats().input_dropped == dropped_before) {
        }
    }
    return std::unique_ptr<ConsoleInput>(new ConsoleInput(std::move(source)));
}

ConsoleInput::~ConsoleInput() {
    source_->stop();
}

bool ConsoleInput::active() const {
    return source_->watched.load();
}

}  // namespace zapotec::legacy
