// A virtio-blk request (virtio 1.x, 5.2.6) parsed out of a descriptor chain and checked
// against the disk, independently of how its I/O is then carried out.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "devices/virtio/queue/queue.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::virtio {

inline constexpr uint64_t kSectorSize = 512;
inline constexpr uint32_t kSectorShift = 9;
// The length of the identifier returned by GET_ID (VIRTIO_BLK_ID_BYTES).
inline constexpr size_t kBlockIdBytes = 20;

enum class RequestType : uint32_t {
    In = 0,
    Out = 1,
    Flush = 4,
    GetId = 8,
    GetLifetime = 10,
    Discard = 11,
    WriteZeroes = 13,
    SecureErase = 14,
};

enum class RequestStatus : uint8_t {
    Ok = 0,
    IoError = 1,
    Unsupported = 2,
};

// The device-readable header that starts every request (struct virtio_blk_outhdr).
struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

struct Request {
    // The raw type: a RequestType when the device knows it.
    uint32_t type = 0;
    uint64_t sector = 0;
    // The buffers between the header and the status byte.
    std::vector<Descriptor> data;
    // Where the status byte goes: the last byte of the last buffer.
    GuestAddress status;

    // Reads the header and finds the data and status buffers. Fails when the chain has no
    // readable 16-byte header first or no writable status buffer last: such a chain cannot
    // even be answered, so the driver broke the protocol.
    [[nodiscard]] static Result<Request> parse(const DescriptorChain& chain,
                                               const GuestMemory& memory);

    // Whether the request can be served by a disk of `capacity` sectors: Ok, or the status
    // to answer with (a bad request, unlike a malformed chain, leaves the device working).
    RequestStatus check(uint64_t capacity, bool read_only) const;

    uint64_t data_length() const;
    // Host views of the data buffers, for vectored I/O straight into guest memory.
    [[nodiscard]] Result<std::vector<iovec>> data_iovecs(const GuestMemory& memory) const;
    // The offset of the first byte on the disk.
    uint64_t offset() const { return sector << kSectorShift; }
};

}  // namespace zapotec::virtio
