// A raw disk image on the host (a regular file or a block device) with synchronous, vectored
// I/O at byte offsets; the backend behind the virtio block device.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace zapotec::virtio {

enum class DiskAccess { ReadWrite, ReadOnly };

class DiskImage {
  public:
    // Opens `path` (read-only when asked) and sizes it; the size in sectors is rounded down,
    // with a warning, and must not be zero.
    [[nodiscard]] static Result<DiskImage> open(const std::string& path, DiskAccess access);

    const std::string& path() const { return path_; }
    bool read_only() const { return access_ == DiskAccess::ReadOnly; }
    // The capacity in 512-byte sectors.
    uint64_t sectors() const { return sectors_; }

    // Fill or drain all of `buffers` at `offset`, retrying short transfers.
    [[nodiscard]] Result<> read(uint64_t offset, std::span<const iovec> buffers) const;
    [[nodiscard]] Result<> write(uint64_t offset, std::span<const iovec> buffers) const;
    // Makes completed writes durable (fdatasync).
    [[nodiscard]] Result<> flush() const;

  private:
    enum class Direction { Read, Write };

    DiskImage(std::string path, UniqueFd fd, DiskAccess access, uint64_t sectors)
        : path_(std::move(path)), fd_(std::move(fd)), access_(access), sectors_(sectors) {}
    [[nodiscard]] Result<> transfer(Direction direction, uint64_t offset,
                                    std::span<const iovec> buffers) const;

    std::string path_;
    UniqueFd fd_;
    DiskAccess access_;
    uint64_t sectors_;
};

}  // namespace zapotec::virtio
