// Opening and writing append-only log and metrics destinations.
#include "base/append_file.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace zapotec {

Result<UniqueFd> open_for_append(const std::string& path) {
    constexpr int kFlags = O_APPEND | O_NONBLOCK | O_CLOEXEC;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | kFlags, 0600);
    // ENXIO: a FIFO that nobody reads yet. Read-write access keeps it open without a reader.
    if (fd < 0 && errno == ENXIO)
        fd = ::open(path.c_str(), O_RDWR | kFlags);
    if (fd < 0)
        return errno_error(fmt::format("cannot open {}", path));
    return UniqueFd(fd);
}

Result<> append_line(int fd, std::string_view line) {
    ssize_t written;
    do {
        written = ::write(fd, line.data(), line.size());
    } while (written < 0 && errno == EINTR);
    if (written < 0)
        return errno_error("write");
    if (static_cast<size_t>(written) != line.size())
        return make_error("write: only {} of {} bytes written", written, line.size());
    return {};
}

}  // namespace zapotec
