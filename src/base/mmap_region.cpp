#include "base/mmap_region.hpp"

#include <sys/mman.h>

namespace zapotec {

MmapRegion::~MmapRegion() {
    if (addr_)
        ::munmap(addr_, size_);
}

MmapRegion& MmapRegion::operator=(MmapRegion&& other) noexcept {
    if (this != &other) {
        if (addr_)
            ::munmap(addr_, size_);
        addr_ = std::exchange(other.addr_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

Result<MmapRegion> MmapRegion::anonymous(size_t size) {
    void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (addr == MAP_FAILED) {
        return std::unexpected(
            Error::from_errno(fmt::format("mmap {} MiB of guest memory", size >> 20)));
    }
    return MmapRegion(addr, size);
}

}  // namespace zapotec
