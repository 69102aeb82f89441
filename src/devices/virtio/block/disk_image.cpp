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
    return DiskImage(path, std::move(fd), access, bytes >> kSectorShift);
}

Result<> DiskImage::read(uint64_t offset, std::span<const iovec> buffers) const {
    return transfer(Direction::Read, offset, buffers);
}

Result<> DiskImage::write(uint64_t offset, std::span<const iovec> buffers) const {
    if (read_only())
        return make_error("write to read-only block device image '{}'", path_);
    return transfer(Direction::Write, offset, buffers);
}

Result<> DiskImage::flush() const {
    if (::fdatasync(fd_.get()) < 0)
        return errno_error(fmt::format("fdatasync block device image '{}'", path_));
    return {};
}

Result<> DiskImage::transfer(Direction direction, uint64_t offset,
                             std::span<const iovec> buffers) const {
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
        ssize_t done = direction == Direction::Read
                           ? ::preadv(fd_.get(), &pending[first], count, position)
                           : ::pwritev(fd_.get(), &pending[first], count, position);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            return errno_error(fmt::format("{} block device image '{}' at {:#x}",
                                           direction == Direction::Read ? "read" : "write", path_,
                                           offset));
        }
        if (done == 0) {
            return make_error("block device image '{}' ends before {:#x} (was it truncated?)",
                              path_, offset);
        }
        offset += static_cast<uint64_t>(done);
        size_t left = static_cast<size_t>(done);
        while (left > 0) {
            size_t step = std::min(left, pending[first].iov_len);
            pending[first].iov_base = static_cast<uint8_t*>(pending[first].iov_base) + step;
            pending[first].iov_len -= step;
            left -= step;
            if (pending[first].iov_len == 0)
                ++first;
        }
    }
    return {};
}

}  // namespace zapotec::virtio
