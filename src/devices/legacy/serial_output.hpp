// Where the UART's transmitted bytes go: a small buffer in front of a host fd (usually
// stdout) that never lets a slow reader stall the vCPU for long.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace zapotec::legacy {

// Buffers bursts of output and writes them in one system call. A burst ends at a newline,
// when the buffer fills, when the owner calls flush(), or when flush_if_stale() finds the
// oldest byte waiting too long. A write that would block or fails drops the bytes and counts
// them. Not thread-safe: the owning device serialises calls.
//
// A sink that is a pipe whose reader has gone raises SIGPIPE; the VMM ignores that signal.
class SerialOutput {
  public:
    static constexpr size_t kBufferSize = 256;
    static constexpr std::chrono::milliseconds kMaxDelay{2};

    // An invalid `sink` discards everything (and counts nothing as dropped).
    explicit SerialOutput(UniqueFd sink) : sink_(std::move(sink)) {}

    void push(uint8_t byte);
    void flush();
    void flush_if_stale();

    bool has_sink() const { return sink_.valid(); }
    uint64_t written() const { return written_; }
    uint64_t dropped() const { return dropped_; }

  private:
    UniqueFd sink_;
    std::array<uint8_t, kBufferSize> buffer_{};
    size_t size_ = 0;
    std::chrono::steady_clock::time_point oldest_{};
    uint64_t written_ = 0;
    uint64_t dropped_ = 0;
    bool warned_ = false;
};

// Opens a sink that writes to what `fd` refers to without blocking. Pipes and terminals are
// reopened through /proc/self/fd with O_NONBLOCK, which gives a new open file description, so
// the flag does not leak into the process's own stdout or stdin. Anything else (a regular
// file, a socket) is duplicated as it is.
[[nodiscard]] Result<UniqueFd> open_output_sink(int fd);

}  // namespace zapotec::legacy
