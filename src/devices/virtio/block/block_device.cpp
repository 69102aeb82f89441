// The virtio block device: configuration space, features, serving requests (synchronously
// or through an I/O engine), rate limits and runtime changes of the drive.
#include "devices/virtio/block/block_device.hpp"

#include <algorithm>
#include <cstring>

#include "base/log.hpp"
#include "devices/virtio/block/discard.hpp"

namespace zapotec::virtio {

namespace {

Result<std::unique_ptr<IoEngine>> make_engine(const BlockConfig& config) {
    unsigned depth = BlockDevice::kQueueSize;
    switch (config.io_engine) {
        case BlockIoEngine::Sync:
            return nullptr;
        case BlockIoEngine::ThreadPool:
            return create_thread_pool_engine(depth);
        case BlockIoEngine::Uring: {
            auto uring = create_uring_engine(depth);
            if (uring)
                return uring;
            spdlog::warn("drive {}: io_uring is not available ({}); using a thread pool",
                         config.drive_id, uring.error().message());
            return create_thread_pool_engine(depth);
        }
    }
    return make_error("unknown I/O engine");
}

}  // namespace

Result<std::shared_ptr<BlockDevice>> BlockDevice::create(const BlockConfig& config) {
    if (config.drive_id.size() > kBlockIdBytes) {
        return make_error("drive id '{}' is longer than {} bytes", config.drive_id, kBlockIdBytes);
    }
    auto context = fmt::format("drive {}", config.drive_id);
    auto access = config.read_only ? DiskAccess::ReadOnly : DiskAccess::ReadWrite;
    auto image = DiskImage::open(config.path, access);
    if (!image)
        return std::unexpected(image.error().context(context));
    auto engine = make_engine(config);
    if (!engine)
        return std::unexpected(engine.error().context(context));
    auto limiter = RateLimiter::create(config.rate_limiter.value_or(RateLimiterConfig{}));
    if (!limiter)
        return std::unexpected(limiter.error().context(context + ": rate_limiter"));
    return std::shared_ptr<BlockDevice>(
        new BlockDevice(config, std::move(*image), std::move(*engine), std::move(*limiter)));
}

BlockDevice::BlockDevice(BlockConfig config, DiskImage image, std::unique_ptr<IoEngine> engine,
                         std::unique_ptr<RateLimiter> limiter)
    : config_(std::move(config)),
      image_(std::move(image)),
      engine_(std::move(engine)),
      limiter_(std::move(limiter)),
      in_flight_(kQueueSize) {
    // Two descriptors of each chain hold the header and the status.
    config_space_.seg_max = kQueueSize - 2;
    config_space_.blk_size = kSectorSize;
    config_space_.num_queues = 1;
    refresh_config_space();
}

BlockDevice::~BlockDevice() {
    // The engine's destructor waits for its requests; their completions go nowhere.
    engine_.reset();
}

void BlockDevice::refresh_config_space() {
    config_space_.capacity = image_.sectors();
    bool discard = image_.can_punch_hole();
    config_space_.max_discard_sectors = discard ? kMaxDiscardSectors : 0;
    config_space_.max_discard_seg = discard ? kMaxDiscardSegments : 0;
    config_space_.discard_sector_alignment = discard ? 1 : 0;
    bool zeroes = image_.can_zero_range();
    config_space_.max_write_zeroes_sectors = zeroes ? kMaxDiscardSectors : 0;
    config_space_.max_write_zeroes_seg = zeroes ? kMaxDiscardSegments : 0;
    config_space_.write_zeroes_may_unmap = zeroes && discard ? 1 : 0;
}

std::string BlockDevice::name() const {
    return fmt::format("block {}", config_.drive_id);
}

uint64_t BlockDevice::capacity() const {
    uint64_t sectors = 0;
    locked([&] { sectors = image_.sectors(); });
    return sectors;
}

uint64_t BlockDevice::device_features() const {
    uint64_t features = kFeatureVersion1 | kFeatureRingEventIdx | kFeatureRingIndirectDesc |
                        kBlockFeatureFlush | kBlockFeatureSegMax | kBlockFeatureBlkSize;
    if (config_.read_only)
        features |= kBlockFeatureReadOnly;
    // Probed at open; never for read-only images.
    if (image_.can_punch_hole())
        features |= kBlockFeatureDiscard;
    if (image_.can_zero_range())
        features |= kBlockFeatureWriteZeroes;
    return features;
}

void BlockDevice::read_config(uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
    if (data.empty() || offset >= sizeof(config_space_))
        return;
    size_t length = std::min<size_t>(data.size(), sizeof(config_space_) - offset);
    // swap_backing_file() changes the capacity under the same lock.
    locked([&] {
        std::memcpy(data.data(), reinterpret_cast<const uint8_t*>(&config_space_) + offset, length);
    });
}

void BlockDevice::write_config(uint64_t offset, std::span<const uint8_t> data) {
    // Only writeback is writable, and only with CONFIG_WCE, which is not offered.
    spdlog::debug("{}: ignoring a {}-byte config write at {:#x}", name(), data.size(), offset);
}

BlockDevice::State BlockDevice::save() const {
    return State{config_, acked_features(), queue_states()};
}

void BlockDevice::collect_metrics(MetricSink& sink) const {
    sink.counter("read_bytes", metrics_.read_bytes);
    sink.counter("write_bytes", metrics_.write_bytes);
    sink.counter("read_ops", metrics_.read_ops);
    sink.counter("write_ops", metrics_.write_ops);
    sink.counter("flushes", metrics_.flushes);
    sink.counter("discards", metrics_.discards);
    sink.counter("errors", metrics_.errors);
    sink.counter("throttled", metrics_.throttled);
    sink.gauge("in_flight", metrics_.in_flight);
}

Result<> BlockDevice::update_rate_limiter(const RateLimiterConfig& config) {
    Result<> updated;
    locked([&] {
        updated = limiter_->update(config);
        // Whatever the old limits were waiting for, the new ones decide afresh.
        if (updated && limiter_->blocked())
            limiter_->on_timer();
    });
    if (!updated)
        return std::unexpected(updated.error().context(name() + ": rate_limiter"));
    // A queue waiting for the old limits' timer is looked at again under the new ones.
    kick_queues();
    return {};
}

Result<> BlockDevice::swap_backing_file(const std::string& path) {
    auto access = config_.read_only ? DiskAccess::ReadOnly : DiskAccess::ReadWrite;
    auto image = DiskImage::open(path, access);
    if (!image)
        return std::unexpected(image.error().context(name()));
    drain();
    Result<> swapped;
    locked([&] {
        // A request started after drain() would still use the old file: try again later.
        if (engine_ && engine_->in_flight() > 0) {
            swapped = make_error("{}: requests are in flight", name());
            return;
        }
        image_ = std::move(*image);
        config_.path = path;
        refresh_config_space();
    });
    if (!swapped)
        return swapped;
    spdlog::info("{}: now serving '{}' ({} sectors)", name(), path, image_.sectors());
    signal_config_change();
    return {};
}

Result<ChainOutcome> BlockDevice::handle_chain(size_t, const GuestMemory& memory,
                                               const DescriptorChain& chain) {
    Request request = TRY(Request::parse(chain, memory));
    auto type = static_cast<RequestType>(request.type);
    bool discarding = type == RequestType::Discard || type == RequestType::WriteZeroes;
    RequestStatus status =
        discarding ? RequestStatus::Ok : request.check(image_.sectors(), image_.read_only());
    if (status == RequestStatus::Ok) {
        // Bandwidth counts the data moved; every request is one operation.
        bool moves_data = type == RequestType::In || type == RequestType::Out;
        if (!limiter_->consume(moves_data ? request.data_length() : 0, 1)) {
            ++metrics_.throttled;
            return ChainOutcome::throttled();
        }
    }
    uint32_t written = 0;
    if (status == RequestStatus::Ok) {
        bool async = engine_ && (type == RequestType::In || type == RequestType::Out ||
                                 type == RequestType::Flush);
        if (async && submit(request, memory, chain.head))
            return ChainOutcome::pending();
        status = async ? RequestStatus::IoError : execute(request, memory, written);
    }
    if (status != RequestStatus::Ok) {
        ++metrics_.errors;
        written = 0;
    }
    TRY(memory.write_obj(request.status, static_cast<uint8_t>(status)));
    return ChainOutcome::completed(written + 1);
}

void BlockDevice::count_success(RequestType type, uint32_t length) {
    switch (type) {
        case RequestType::In:
            metrics_.read_bytes += length;
            ++metrics_.read_ops;
            break;
        case RequestType::Out:
            metrics_.write_bytes += length;
            ++metrics_.write_ops;
            break;
        case RequestType::Flush:
            ++metrics_.flushes;
            break;
        case RequestType::Discard:
        case RequestType::WriteZeroes:
            ++metrics_.discards;
            break;
        default:
            break;
    }
}

}  // namespace zapotec::virtio
