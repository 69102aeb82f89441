// A Linux eventfd: used for irqfd, ioeventfd and waking the event loop.
#pragma once

#include <cstdint>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace zapotec {

class EventFd {
  public:
    [[nodiscard]] static Result<EventFd> create(unsigned flags = 0);

    // Adds one to the counter; wakes whoever waits on it.
    [[nodiscard]] Result<> signal(uint64_t value = 1) const;
    // Reads and resets the counter; with EFD_NONBLOCK returns 0 when it was zero.
    [[nodiscard]] Result<uint64_t> consume() const;

    int fd() const { return fd_.get(); }

  private:
    explicit EventFd(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace zapotec
