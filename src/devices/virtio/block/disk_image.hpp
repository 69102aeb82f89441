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
enum class Direction { Read, Write };

// Moves all of `buffers` between memory and `fd` at `offset` with preadv/pwritev(2),
// retrying short transfers; hitting the end of the file is an error. With `dsync`, each
// write is durable when it returns (RWF_DSYNC). Shared by the synchronous path and the
// thread-pool engine.
// Moves the start of `buffers[first..]` past `bytes` that a short transfer moved, and
// returns the index of the first buffer with bytes left.
size_t advance_iovecs(std::span<iovec> buffers, size_t first, size_t bytes);

[[nodiscard]] Result<> transfer_all(int fd, Direction direction, uint64_t offset,
                                    std::span<const iovec> buffers, bool dsync);

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

    // Whether the file can deallocate ranges (fallocate PUNCH_HOLE) and zero them in place
    // (ZERO_RANGE); probed at open, false for read-only images and block devices.
    bool can_punch_hole() const { return can_punch_hole_; }
    bool can_zero_range() const { return can_zero_range_; }
    // Deallocates [offset, offset + length): it then reads as zeroes.
    [[nodiscard]] Result<> punch_hole(uint64_t offset, uint64_t length) const;
    // Zeroes [offset, offset + length) keeping it allocated.
    [[nodiscard]] Result<> zero_range(uint64_t offset, uint64_t length) const;

    // For I/O engines that issue their own system calls on the image.
    int fd() const { return fd_.get(); }

  private:
    DiskImage(std::string path, UniqueFd fd, DiskAccess access, uint64_t sectors)
        : path_(std::move(path)), fd_(std::move(fd)), access_(access), sectors_(sectors) {}
    [[nodiscard]] Result<> allocate(int mode, uint64_t offset, uint64_t length,
                                    const char* what) const;

    std::string path_;
    UniqueFd fd_;
    DiskAccess access_;
    uint64_t sectors_;
    bool can_punch_hole_ = false;
    bool can_zero_range_ = false;
};

}  // namespace zapotec::virtio
