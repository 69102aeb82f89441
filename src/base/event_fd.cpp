#include "base/event_fd.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

namespace zapotec {

Result<EventFd> EventFd::create(unsigned flags) {
    int fd = ::eventfd(0, static_cast<int>(flags | EFD_CLOEXEC));
    if (fd < 0)
        return errno_error("eventfd");
    return EventFd(UniqueFd(fd));
}

Result<> EventFd::signal(uint64_t value) const {
    if (::write(fd_.get(), &value, sizeof(value)) != sizeof(value)) {
        return errno_error("eventfd write");
    }
    return {};
}

Result<uint64_t> EventFd::consume() const {
    uint64_t value = 0;
    if (::read(fd_.get(), &value, sizeof(value)) != sizeof(value)) {
        if (errno == EAGAIN)
            return 0;
        return errno_error("eventfd read");
    }
    return value;
}

}  // namespace zapotec
