// Guest RAM: one or more host mappings, reached only through bounds-checked accessors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "base/error.hpp"
#include "base/mmap_region.hpp"
#include "memory/guest_address.hpp"

namespace zapotec {

struct GuestRegionSpec {
    GuestAddress start;
    uint64_t size = 0;
};

class GuestRegion {
  public:
    GuestRegion(GuestAddress start, MmapRegion mapping)
        : start_(start), mapping_(std::move(mapping)) {}

    GuestAddress start() const { return start_; }
    uint64_t size() const { return mapping_.size(); }
    // One past the last address of the region.
    uint64_t end() const { return start_.value + size(); }
    uint8_t* host_address() const { return mapping_.data(); }

  private:
    GuestAddress start_;
    MmapRegion mapping_;
};

class GuestMemory {
  public:
    // Maps anonymous memory for each region; regions must not overlap and be page-aligned.
    [[nodiscard]] static Result<GuestMemory> create(const std::vector<GuestRegionSpec>& specs);

    const std::vector<GuestRegion>& regions() const { return regions_; }
    // Total bytes of RAM over all regions.
    uint64_t total_size() const;
    // The highest guest address + 1 backed by RAM.
    uint64_t end_address() const;

    // A host view of [address, address + length), which must lie within one region.
    // Overflowing or out-of-range requests fail; a zero length at a valid address succeeds.
    [[nodiscard]] Result<std::span<uint8_t>> slice(GuestAddress address, uint64_t length) const;
    bool contains_range(GuestAddress address, uint64_t length) const;

    [[nodiscard]] Result<> read(GuestAddress address, std::span<uint8_t> out) const;
    [[nodiscard]] Result<> write(GuestAddress address, std::span<const uint8_t> in) const;

    // Plain-old-data objects (ABI structs) read and written by value, unaligned-safe.
    template <class T>
    [[nodiscard]] Result<T> read_obj(GuestAddress address) const {
        static_assert(std::is_trivially_copyable_v<T>);
        T value;
        TRY(read(address, std::span(reinterpret_cast<uint8_t*>(&value), sizeof(T))));
        return value;
    }
    template <class T>
    [[nodiscard]] Result<> write_obj(GuestAddress address, const T& value) const {
        static_assert(std::is_trivially_copyable_v<T>);
        return write(address, std::span(reinterpret_cast<const uint8_t*>(&value), sizeof(T)));
    }

  private:
    explicit GuestMemory(std::vector<GuestRegion> regions) : regions_(std::move(regions)) {}
    const GuestRegion* find_region(GuestAddress address) const;

    std::vector<GuestRegion> regions_;
};

}  // namespace zapotec
