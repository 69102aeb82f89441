// Parsing and checking of virtio-blk requests; the guest wrote every field, so each is checked.
#include "devices/virtio/block/request.hpp"

#include <algorithm>

namespace zapotec::virtio {

namespace {

bool all_data(const std::vector<Descriptor>& data, bool writable) {
    return std::all_of(data.begin(), data.end(),
                       [writable](const Descriptor& d) { return d.device_writable == writable; });
}

}  // namespace

Result<Request> Request::parse(const DescriptorChain& chain, const GuestMemory& memory) {
    const auto& buffers = chain.descriptors;
    if (buffers.size() < 2) {
        return make_error("block request {} has {} buffers, too few for a header and a status",
                          chain.head, buffers.size());
    }
    const Descriptor& header = buffers.front();
    if (header.device_writable || header.length != sizeof(RequestHeader)) {
        return make_error("block request {} does not start with a readable 16-byte header",
                          chain.head);
    }
    const Descriptor& status = buffers.back();
    if (!status.device_writable) {
        return make_error("block request {} does not end with a writable status byte", chain.head);
    }
    auto fields = TRY(memory.read_obj<RequestHeader>(header.address));
    Request request;
    request.type = fields.type;
    request.sector = fields.sector;
    request.data.assign(buffers.begin() + 1, buffers.end() - 1);
    request.status = status.address + (status.length - 1);
    return request;
}

uint64_t Request::data_length() const {
    uint64_t total = 0;
    for (const Descriptor& d : data)
        total += d.length;
    return total;
}

RequestStatus Request::check(uint64_t capacity, bool read_only) const {
    switch (static_cast<RequestType>(type)) {
        case RequestType::In:
        case RequestType::Out: {
            bool in = static_cast<RequestType>(type) == RequestType::In;
            if (!in && read_only)
                return RequestStatus::IoError;
            // Reads fill writable buffers, writes come from readable ones.
            if (!all_data(data, in))
                return RequestStatus::IoError;
            uint64_t length = data_length();
            if (length % kSectorSize != 0)
                return RequestStatus::IoError;
            uint64_t sectors = length >> kSectorShift;
            if (sector > capacity || sectors > capacity - sector)
                return RequestStatus::IoError;
            return RequestStatus::Ok;
        }
        case RequestType::Flush:
            return RequestStatus::Ok;
        case RequestType::GetId:
            if (data.empty() || !all_data(data, true))
                return RequestStatus::IoError;
            return RequestStatus::Ok;
        default:
            return RequestStatus::Unsupported;
    }
}

Result<std::vector<iovec>> Request::data_iovecs(const GuestMemory& memory) const {
    std::vector<iovec> iovecs;
    iovecs.reserve(data.size());
    for (const Descriptor& d : data) {
        auto bytes = TRY(memory.slice(d.address, d.length));
        iovecs.push_back({bytes.data(), bytes.size()});
    }
    return iovecs;
}

}  // namespace zapotec::virtio
