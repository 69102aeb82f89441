// The UART's output buffer and the non-blocking host sink behind it.
#include "devices/legacy/serial_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/log.hpp"

namespace zapotec::legacy {

void SerialOutput::push(uint8_t byte) {
    if (!sink_.valid())
        return;
    if (size_ == 0)
        oldest_ = std::chrono::steady_clock::now();
    buffer_[size_++] = byte;
    if (byte == '\n' || size_ == buffer_.size())
        flush();
}

void SerialOutput::flush_if_stale() {
    if (size_ != 0 && std::chrono::steady_clock::now() - oldest_ >= kMaxDelay)
        flush();
}

void SerialOutput::flush() {
    size_t done = 0;
    while (done < size_) {
        ssize_t count = ::write(sink_.get(), buffer_.data() + done, size_ - done);
        if (count > 0) {
            done += static_cast<size_t>(count);
        } else if (count < 0 && errno == EINTR) {
            continue;
        } else {
            // EAGAIN (the reader is behind) or a real error: the guest must not wait for
            // the host, so what is left of this burst is lost.
            break;
        }
    }
    written_ += done;
    if (done < size_) {
        dropped_ += size_ - done;
        if (!warned_) {
            warned_ = true;
            spdlog::warn("serial: the console output sink is not keeping up; dropping output");
        }
    }
    size_ = 0;
}

Result<UniqueFd> open_output_sink(int fd) {
    struct stat info {};
    if (::fstat(fd, &info) < 0)
        return errno_error(fmt::format("fstat fd {}", fd));
    if (S_ISFIFO(info.st_mode) || S_ISCHR(info.st_mode)) {
        std::string path = fmt::format("/proc/self/fd/{}", fd);
        int reopened = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (reopened >= 0)
            return UniqueFd(reopened);
        spdlog::debug("serial: cannot reopen {} without blocking ({}); using it as it is", path,
                      std::strerror(errno));
    }
    int duplicate = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (duplicate < 0)
        return errno_error(fmt::format("dup fd {}", fd));
    return UniqueFd(duplicate);
}

}  // namespace zapotec::legacy
