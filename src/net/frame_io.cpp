// One-frame read and writev on a non-blocking fd, shared by the tap and test backends.
#include <unistd.h>

#include <cerrno>

#include "net/net_backend.hpp"

namespace zapotec::net {

Result<std::optional<size_t>> read_frame_from(int fd, std::span<uint8_t> buffer) {
    for (;;) {
        ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got >= 0)
            return static_cast<size_t>(got);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return std::nullopt;
        return errno_error("read frame");
    }
}

Result<std::optional<size_t>> write_frame_to(int fd, std::span<const iovec> parts) {
    for (;;) {
        ssize_t put = ::writev(fd, parts.data(), static_cast<int>(parts.size()));
        if (put >= 0)
            return static_cast<size_t>(put);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return std::nullopt;
        return errno_error("write frame");
    }
}

}  // namespace zapotec::net
