// The split virtqueue's guest-visible layout (virtio 1.x, section 2.7): descriptor table,
// available ring and used ring, as the driver lays them out in guest memory.
#pragma once

#include <bit>
#include <cstdint>

namespace zapotec::virtio {

// Virtio 1.x rings are little-endian; Zapotec runs on little-endian hosts only (x86_64), so
// the fields below are read and written as native integers.
static_assert(std::endian::native == std::endian::little,
              "virtqueue fields are little-endian and read natively");

// One entry of the descriptor table (struct virtq_desc).
struct VirtqDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(VirtqDesc) == 16);

// One entry of the used ring (struct virtq_used_elem).
struct VirtqUsedElem {
    uint32_t id;
    uint32_t len;
};
static_assert(sizeof(VirtqUsedElem) == 8);

// Descriptor flags.
inline constexpr uint16_t kDescFlagNext = 1;
inline constexpr uint16_t kDescFlagWrite = 2;
inline constexpr uint16_t kDescFlagIndirect = 4;

// Available ring flags: the driver does not want interrupts (ignored under EVENT_IDX).
inline constexpr uint16_t kAvailFlagNoInterrupt = 1;

// Alignment of each part of the queue (virtio 1.x, 2.7, "Virtqueue Alignment").
inline constexpr uint64_t kDescTableAlign = 16;
inline constexpr uint64_t kAvailRingAlign = 2;
inline constexpr uint64_t kUsedRingAlign = 4;

// Byte offsets of the fields of the available ring (struct virtq_avail).
inline constexpr uint64_t kAvailFlagsOffset = 0;
inline constexpr uint64_t kAvailIdxOffset = 2;
inline constexpr uint64_t kAvailRingOffset = 4;
inline constexpr uint64_t avail_ring_bytes(uint16_t size) {
    return kAvailRingOffset + 2ull * size + 2;  // flags, idx, ring[size], used_event.
}
inline constexpr uint64_t used_event_offset(uint16_t size) {
    return kAvailRingOffset + 2ull * size;
}

// Byte offsets of the fields of the used ring (struct virtq_used).
inline constexpr uint64_t kUsedFlagsOffset = 0;
inline constexpr uint64_t kUsedIdxOffset = 2;
inline constexpr uint64_t kUsedRingOffset = 4;
inline constexpr uint64_t used_ring_bytes(uint16_t size) {
    return kUsedRingOffset + sizeof(VirtqUsedElem) * size + 2;  // ..., avail_event.
}
inline constexpr uint64_t avail_event_offset(uint16_t size) {
    return kUsedRingOffset + sizeof(VirtqUsedElem) * size;
}

inline constexpr uint64_t desc_table_bytes(uint16_t size) {
    return sizeof(VirtqDesc) * size;
}

// Whether the driver asked for an interrupt once the used index moves from `old_idx` to
// `new_idx`, given its used_event `event_idx` (vring_need_event in the spec, 2.7.7.2). All
// arithmetic wraps at 2^16 like the ring indices themselves.
inline constexpr bool vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx) {
    return static_cast<uint16_t>(new_idx - event_idx - 1) <
           static_cast<uint16_t>(new_idx - old_idx);
}

}  // namespace zapotec::virtio
