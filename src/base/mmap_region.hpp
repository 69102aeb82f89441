// An owning anonymous or file-backed memory mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "base/error.hpp"

namespace zapotec {

class MmapRegion {
  public:
    MmapRegion() = default;
    ~MmapRegion();
    MmapRegion(MmapRegion&& other) noexcept
        : addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    MmapRegion& operator=(MmapRegion&& other) noexcept;
    MmapRegion(const MmapRegion&) = delete;
    MmapRegion& operator=(const MmapRegion&) = delete;

    // Private anonymous read-write memory, not populated until touched.
    [[nodiscard]] static Result<MmapRegion> anonymous(size_t size);

    uint8_t* data() const { return static_cast<uint8_t*>(addr_); }
    size_t size() const { return size_; }
    std::span<uint8_t> bytes() const { return {data(), size_}; }

  private:
    MmapRegion(void* addr, size_t size) : addr_(addr), size_(size) {}
    void* addr_ = nullptr;
    size_t size_ = 0;
};

}  // namespace zapotec
