// Opening and sizing a raw disk image, and preadv/pwritev/fdatasync on it.
#include "devices/virtio/block/disk_image.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "base/log.hpp"
#include "devices/virtio/block/request.hpp"

namespace zapotec::virtio {

Result<DiskImage> DiskImage::open(const std::string& path, DiskAccess access) {
    int flags = (access == DiskAccess::ReadOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    UniqueFd fd(::open(path.c_str(), flags));
    if (!fd)
        return errno_error(fmt::format("open block device image '{}'", path));
    struct stat info {};
    if (::fstat(fd.get(), &info) < 0)
        return errno_error(fmt::format("stat block device image '{}'", path));
    if (!S_ISREG(info.st_mode) && !S_ISBLK(info.st_mode))
        return make_error("block device image '{}' is not a file or a block device", path);
    // lseek gives the size of block devices too, where st_size is zero.
    off_t size = ::lseek(fd.get(), 0, SEEK_END);
    if (size < 0)
        return errno_error(fmt::format("size block device image '{}'", path));
    uint64_t bytes = static_cast<uint64_t>(size);
    if (bytes < kSectorSize) {
        return make_error("block device image '{}' is {} bytes, smaller than one sector", path,
                          bytes);
    }
    if (bytes % kSectorSize != 0) {
        spdlog::warn(
            "block device image '{}' is {} bytes, not a whole number of sectors; the "
            "last {} bytes are not visible to the guest",
            path, bytes, bytes % kSectorSize);
    }
    DiskImage image(path, std::move(fd), access, bytes >> kSectorShift);
    if (access == DiskAccess::ReadWrite && S_ISREG(info.st_mode)) {
        // A range past the end of the file: supported modes succeed without changing data.
        auto end = static_cast<off_t>(bytes);
        image.can_punch_hole_ =
            ::fallocate(image.fd(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, end, 1) == 0;
        image.can_zero_range_ =
            ::fallocate(image.fd(), FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, end, 1) == 0;
    }
    return image;
}

Result<> DiskImage::read(uint64_t offset, std::span<const iovec> buffers) const {
    auto done = transfer_all(fd_.get(), Direction::Read, offset, buffers, false);
    if (!done)
        return std::unexpected(done.error().context(fmt::format("image '{}'", path_)));
    return {};
}

Result<> DiskImage::write(uint64_t offset, std::span<const iovec> buffers) const {
    if (read_only())
        return make_error("write to read-only block device image '{}'", path_);
    auto done = transfer_all(fd_.get(), Direction::Write, offset, buffers, false);
    if (!done)
        return std::unexpected(done.error().context(fmt::format("image '{}'", path_)));
    return {};
}

Result<> DiskImage::flush() const {
    if (::fdatasync(fd_.get()) < 0)
        return errno_error(fmt::format("fdatasync block device image '{}'", path_));
    return {};
}

Result<> DiskImage::punch_hole(uint64_t offset, uint64_t length) const {
    return allocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length, "punch a hole in");
}

Result<> DiskImage::zero_range(uint64_t offset, uint64_t length) const {
    return allocate(FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length, "zero a range of");
}

Result<> DiskImage::allocate(int mode, uint64_t offset, uint64_t length, const char* what) const {
    if (read_only())
        return make_error("{} read-only block device image '{}'", what, path_);
    while (::fallocate(fd_.get(), mode, static_cast<off_t>(offset), static_cast<off_t>(length)) <
           0) {
        if (errno != EINTR) {
            return errno_error(fmt::format("{} block device image '{}' at {:#x}+{:#x}", what, path_,
                                           offset, length));
        }
    }
    return {};
}

Result<> transfer_all(int fd, Direction direction, uint64_t offset, std::span<const iovec> buffers,
                      bool dsync) {
    // A private copy that is advanced past what a short transfer already moved.
    std::vector<iovec> pending(buffers.begin(), buffers.end());
    size_t first = 0;
    while (first < pending.size()) {
        if (pending[first].iov_len == 0) {
            ++first;
            continue;
        }
        int count = static_cast<int>(std::min<size_t>(pending.size() - first, IOV_MAX));
        off_t position = static_cast<off_t>(offset);
        ssize_t done = direction == Direction::Read ? ::preadv(fd, &pending[first], count, position)
                                                    : ::pwritev2(fd, &pending[first], count,
                                                                 position, dsync ? RWF_DSYNC : 0);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            return errno_error(fmt::format(
                "{} at {:#x}", direction == Direction::Read ? "read" : "write", offset));
        }
        if (done == 0)
            return make_error("the file ends before {:#x} (was it truncated?)", offset);
        offset += static_cast<uint64_t>(done);
        first = advance_iovecs(pending, first, static_cast<size_t>(done));
    }
    return {};
}

size_t advance_iovecs(std::span<iovec> buffers, size_t first, size_t bytes) {
    while (bytes > 0 && first < buffers.size()) {
        size_t step = std::min(bytes, buffers[first].iov_len);
        buffers[first].iov_base = static_cast<uint8_t*>(buffers[first].iov_base) + step;
        buffers[first].iov_len -= step;
        bytes -= step;
        if (buffers[first].iov_len == 0)
            ++first;
    }
    while (first < buffers.size() && buffers[first].iov_len == 0)
        ++first;
    return first;
}

}  // namespace zapotec::virtio
