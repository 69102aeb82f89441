// DISCARD and WRITE_ZEROES requests (virtio 1.x, 5.2.6): the segments the driver sends are
// read and checked as hostile input, then carried out with fallocate(2) on the image.
#pragma once

#include <cstdint>
#include <vector>

#include "devices/virtio/block/disk_image.hpp"
#include "devices/virtio/block/request.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::virtio {

// One segment (struct virtio_blk_discard_write_zeroes).
struct DiscardSegment {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};
static_assert(sizeof(DiscardSegment) == 16);

inline constexpr uint32_t kDiscardFlagUnmap = 1;

// What the device announces in its configuration space, and so enforces.
inline constexpr uint32_t kMaxDiscardSectors = 1u << 22;  // 2 GiB per segment.
inline constexpr uint32_t kMaxDiscardSegments = 16;

// Reads the segments of a DISCARD or WRITE_ZEROES request and checks them against a disk
// of `capacity` sectors: Ok with `segments` filled, or the status to answer with.
RequestStatus read_discard_segments(const Request& request, const GuestMemory& memory,
                                    uint64_t capacity, std::vector<DiscardSegment>& segments);

// Deallocates (DISCARD) or zeroes (WRITE_ZEROES) the checked segments.
[[nodiscard]] Result<> execute_discard(const DiskImage& image, RequestType type,
                                       const std::vector<DiscardSegment>& segments);

}  // namespace zapotec::virtio
