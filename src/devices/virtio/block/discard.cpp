// Checking DISCARD / WRITE_ZEROES segments and carrying them out with fallocate(2).
#include "devices/virtio/block/discard.hpp"

#include <cstring>

namespace zapotec::virtio {

RequestStatus read_discard_segments(const Request& request, const GuestMemory& memory,
                                    uint64_t capacity, std::vector<DiscardSegment>& segments) {
    bool write_zeroes = static_cast<RequestType>(request.type) == RequestType::WriteZeroes;
    segments.clear();
    uint64_t length = request.data_length();
    if (length == 0 || length % sizeof(DiscardSegment) != 0)
        return RequestStatus::IoError;
    if (length / sizeof(DiscardSegment) > kMaxDiscardSegments)
        return RequestStatus::IoError;
    // The segments are a byte stream that may be split across buffers in any way.
    std::vector<uint8_t> bytes;
    bytes.reserve(length);
    for (const Descriptor& buffer : request.data) {
        if (buffer.device_writable)
            return RequestStatus::IoError;
        auto slice = memory.slice(buffer.address, buffer.length);
        if (!slice)
            return RequestStatus::IoError;
        bytes.insert(bytes.end(), slice->begin(), slice->end());
    }
    for (size_t at = 0; at < bytes.size(); at += sizeof(DiscardSegment)) {
        DiscardSegment segment;
        std::memcpy(&segment, bytes.data() + at, sizeof(segment));
        // Reserved flags, or UNMAP on a discard, are not something this device understands.
        uint32_t allowed = write_zeroes ? kDiscardFlagUnmap : 0;
        if (segment.flags & ~allowed)
            return RequestStatus::Unsupported;
        if (segment.num_sectors > kMaxDiscardSectors)
            return RequestStatus::IoError;
        if (segment.sector > capacity || segment.num_sectors > capacity - segment.sector)
            return RequestStatus::IoError;
        segments.push_back(segment);
    }
    return RequestStatus::Ok;
}

Result<> execute_discard(const DiskImage& image, RequestType type,
                         const std::vector<DiscardSegment>& segments) {
    for (const DiscardSegment& segment : segments) {
        if (segment.num_sectors == 0)
            continue;
        uint64_t offset = segment.sector << kSectorShift;
        uint64_t length = uint64_t{segment.num_sectors} << kSectorShift;
        // A hole reads as zeroes, so WRITE_ZEROES may punch one when the driver allows
        // deallocation; otherwise the range stays allocated.
        bool punch = type == RequestType::Discard ||
                     ((segment.flags & kDiscardFlagUnmap) && image.can_punch_hole());
        if (punch)
            TRY(image.punch_hole(offset, length));
        else
            TRY(image.zero_range(offset, length));
    }
    return {};
}

}  // namespace zapotec::virtio
