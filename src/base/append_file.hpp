// A log or metrics destination opened once for appending, as Firecracker opens its log and
// metrics files: a regular file (created if missing) or a FIFO another process reads.
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace zapotec {

// Opens `path` with O_APPEND and O_NONBLOCK, so that each write() lands whole at the end
// even with other writers, and a FIFO without a reader neither blocks the open nor the
// VMM thread later. A FIFO with no reader yet is opened read-write, as Linux allows, so
// that a reader may come later. A missing regular file is created with mode 0600.
[[nodiscard]] Result<UniqueFd> open_for_append(const std::string& path);

// Writes `line` with one write() call: on a file opened with O_APPEND the line is never
// interleaved with another writer's. A short write (a full FIFO) is an error; the rest of
// the line is dropped rather than blocking.
[[nodiscard]] Result<> append_line(int fd, std::string_view line);

}  // namespace zapotec
