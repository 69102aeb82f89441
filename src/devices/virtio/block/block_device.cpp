// The virtio block device: configuration space, features, and serving requests with
// vectored I/O straight between the image and guest memory.
#include "devices/virtio/block/block_device.hpp"

#include <algorithm>
#include <cstring>

#include "base/log.hpp"

namespace zapotec::virtio {

Result<std::shared_ptr<BlockDevice>> BlockDevice::create(const BlockConfig& config) {
    if (config.drive_id.size() > kBlockIdBytes) {
        return make_error("drive id '{}' is longer than {} bytes", config.drive_id, kBlockIdBytes);
    }
    auto access = config.read_only ? DiskAccess::ReadOnly : DiskAccess::ReadWrite;
    auto image = DiskImage::open(config.path, access);
    if (!image)
        return std::unexpected(image.error().context(fmt::format("drive {}", config.drive_id)));
    return std::shared_ptr<BlockDevice>(new BlockDevice(config, std::move(*image)));
}

BlockDevice::BlockDevice(BlockConfig config, DiskImage image)
    : config_(std::move(config)), image_(std::move(image)) {
    config_space_.capacity = image_.sectors();
    // Two descriptors of each chain hold the header and the status.
    config_space_.seg_max = kQueueSize - 2;
    config_space_.blk_size = kSectorSize;
    config_space_.num_queues = 1;
}

std::string BlockDevice::name() const {
    return fmt::format("block {}", config_.drive_id);
}

uint64_t BlockDevice::device_features() const {
    uint64_t features = kFeatureVersion1 | kFeatureRingEventIdx | kFeatureRingIndirectDesc |
                        kBlockFeatureFlush | kBlockFeatureSegMax | kBlockFeatureBlkSize;
    if (config_.read_only)
        features |= kBlockFeatureReadOnly;
    return features;
}

void BlockDevice::read_config(uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
    if (offset >= sizeof(config_space_))
        return;
    size_t length = std::min<size_t>(data.size(), sizeof(config_space_) - offset);
    std::memcpy(data.data(), reinterpret_cast<const uint8_t*>(&config_space_) + offset, length);
}

void BlockDevice::write_config(uint64_t offset, std::span<const uint8_t> data) {
    // Only writeback is writable, and only with CONFIG_WCE, which is not offered.
    spdlog::debug("{}: ignoring a {}-byte config write at {:#x}", name(), data.size(), offset);
}

BlockDevice::State BlockDevice::save() const {
    return State{config_, acked_features(), queue_states()};
}

Result<uint32_t> BlockDevice::handle_chain(size_t, const GuestMemory& memory,
                                           const DescriptorChain& chain) {
    Request request = TRY(Request::parse(chain, memory));
    uint32_t written = 0;
    RequestStatus status = request.check(image_.sectors(), image_.read_only());
    if (status == RequestStatus::Ok)
        status = execute(request, memory, written);
    if (status != RequestStatus::Ok) {
        ++metrics_.errors;
        written = 0;
    }
    TRY(memory.write_obj(request.status, static_cast<uint8_t>(status)));
    return written + 1;
}

RequestStatus BlockDevice::execute(const Request& request, const GuestMemory& memory,
                                   uint32_t& written) {
    auto type = static_cast<RequestType>(request.type);
    if (type == RequestType::GetId)
        return get_id(request, memory, written);
    if (type == RequestType::Flush) {
        ++metrics_.flushes;
        if (auto flushed = image_.flush(); !flushed) {
            spdlog::warn("{}: {}", name(), flushed.error().message());
            return RequestStatus::IoError;
        }
        return RequestStatus::Ok;
    }

    auto iovecs = request.data_iovecs(memory);
    Result<> done = iovecs ? (type == RequestType::In ? image_.read(request.offset(), *iovecs)
                                                      : image_.write(request.offset(), *iovecs))
                           : Result<>(std::unexpected(iovecs.error()));
    if (!done) {
        spdlog::warn("{}: {}", name(), done.error().message());
        return RequestStatus::IoError;
    }
    // The queue bounds a chain's buffers to 4 GiB in all.
    uint32_t length = static_cast<uint32_t>(request.data_length());
    if (type == RequestType::In) {
        metrics_.read_bytes += length;
        ++metrics_.read_ops;
        written = length;
    } else {
        metrics_.write_bytes += length;
        ++metrics_.write_ops;
        // A driver that did not accept FLUSH expects a write-through disk (virtio 1.x, 5.2.5).
        if (!(acked_features() & kBlockFeatureFlush)) {
            if (auto flushed = image_.flush(); !flushed) {
                spdlog::warn("{}: {}", name(), flushed.error().message());
                return RequestStatus::IoError;
            }
        }
    }
    return RequestStatus::Ok;
}

RequestStatus BlockDevice::get_id(const Request& request, const GuestMemory& memory,
                                  uint32_t& written) {
    // The id is NUL-padded to 20 bytes, and not terminated when it is exactly 20 long.
    uint8_t id[kBlockIdBytes] = {};
    std::memcpy(id, config_.drive_id.data(), std::min(config_.drive_id.size(), sizeof(id)));
    size_t copied = 0;
    for (const Descriptor& buffer : request.data) {
        if (copied == sizeof(id))
            break;
        size_t step = std::min<size_t>(buffer.length, sizeof(id) - copied);
        if (!memory.write(buffer.address, std::span<const uint8_t>(id + copied, step)))
            return RequestStatus::IoError;
        copied += step;
    }
    written = static_cast<uint32_t>(copied);
    return RequestStatus::Ok;
}

}  // namespace zapotec::virtio
