// The virtio block device (virtio 1.x, 5.2): one request queue served from a raw image file.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "devices/virtio/block/disk_image.hpp"
#include "devices/virtio/block/io_engine.hpp"
#include "devices/virtio/block/request.hpp"
#include "devices/virtio/queue/queue_device.hpp"
#include "rate_limiter/rate_limiter.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec::virtio {

// Device feature bits (virtio 1.x, 5.2.3).
inline constexpr uint64_t kBlockFeatureSegMax = 1ull << 2;
inline constexpr uint64_t kBlockFeatureReadOnly = 1ull << 5;
inline constexpr uint64_t kBlockFeatureBlkSize = 1ull << 6;
inline constexpr uint64_t kBlockFeatureFlush = 1ull << 9;
inline constexpr uint64_t kBlockFeatureDiscard = 1ull << 13;
inline constexpr uint64_t kBlockFeatureWriteZeroes = 1ull << 14;

// How requests reach the image: synchronously on the event loop, or several at a time through
// io_uring (the thread pool when the kernel refuses io_uring, or when asked for by tests).
enum class BlockIoEngine { Sync, Uring, ThreadPool };

struct BlockConfig {
    // The drive's name, reported to the guest as its serial by GET_ID (at most 20 bytes).
    std::string drive_id;
    std::string path;
    bool read_only = false;
    BlockIoEngine io_engine = BlockIoEngine::Sync;
    // Recorded only: guest flushes always reach the disk (fdatasync), also under Unsafe.
    CacheType cache_type = CacheType::kUnsafe;
    // None: unlimited (limits can still be set at runtime).
    std::optional<RateLimiterConfig> rate_limiter;
};

// The device's configuration space (struct virtio_blk_config, virtio 1.2).
struct BlockConfigSpace {
    uint64_t capacity;
    uint32_t size_max;
    uint32_t seg_max;
    uint16_t cylinders;
    uint8_t heads;
    uint8_t sectors;
    uint32_t blk_size;
    uint8_t physical_block_exp;
    uint8_t alignment_offset;
    uint16_t min_io_size;
    uint32_t opt_io_size;
    uint8_t writeback;
    uint8_t unused0;
    uint16_t num_queues;
    uint32_t max_discard_sectors;
    uint32_t max_discard_seg;
    uint32_t discard_sector_alignment;
    uint32_t max_write_zeroes_sectors;
    uint32_t max_write_zeroes_seg;
    uint8_t write_zeroes_may_unmap;
    uint8_t unused1[3];
    uint32_t max_secure_erase_sectors;
    uint32_t max_secure_erase_seg;
    uint32_t secure_erase_sector_alignment;
};
static_assert(sizeof(BlockConfigSpace) == 72);
static_assert(offsetof(BlockConfigSpace, max_discard_sectors) == 36);
static_assert(offsetof(BlockConfigSpace, max_discard_seg) == 40);
static_assert(offsetof(BlockConfigSpace, discard_sector_alignment) == 44);
static_assert(offsetof(BlockConfigSpace, max_write_zeroes_sectors) == 48);
static_assert(offsetof(BlockConfigSpace, max_write_zeroes_seg) == 52);
static_assert(offsetof(BlockConfigSpace, write_zeroes_may_unmap) == 56);
static_assert(offsetof(BlockConfigSpace, max_secure_erase_sectors) == 60);
static_assert(offsetof(BlockConfigSpace, seg_max) == 12);
static_assert(offsetof(BlockConfigSpace, blk_size) == 20);
static_assert(offsetof(BlockConfigSpace, num_queues) == 34);

// Counters for the metrics endpoint; updated on the event loop, read from anywhere.
struct BlockMetrics {
    std::atomic<uint64_t> read_bytes{0};
    std::atomic<uint64_t> write_bytes{0};
    std::atomic<uint64_t> read_ops{0};
    std::atomic<uint64_t> write_ops{0};
    std::atomic<uint64_t> flushes{0};
    // DISCARD and WRITE_ZEROES requests served.
    std::atomic<uint64_t> discards{0};
    // Requests answered with a status other than OK.
    std::atomic<uint64_t> errors{0};
    // Requests the rate limiter refused (each is served later).
    std::atomic<uint64_t> throttled{0};
    // Requests handed to the I/O engine and not completed yet.
    std::atomic<uint64_t> in_flight{0};
};

class BlockDevice final : public QueueDevice {
  public:
    static constexpr uint16_t kQueueSize = 256;

    // What a snapshot keeps of the device; the image itself is the user's file.
    struct State {
        BlockConfig config;
        uint64_t acked_features = 0;
        std::vector<QueueState> queues;
    };

    // Opens the image (read-only when configured); fails naming the path when it is
    // missing, unreadable, empty or not a file, or when the drive id is too long.
    [[nodiscard]] static Result<std::shared_ptr<BlockDevice>> create(const BlockConfig& config);

    DeviceType device_type() const override { return DeviceType::Block; }
    std::string name() const override;
    uint64_t device_features() const override;
    std::vector<uint16_t> queue_max_sizes() const override { return {kQueueSize}; }
    void read_config(uint64_t offset, std::span<uint8_t> data) override;
    void write_config(uint64_t offset, std::span<const uint8_t> data) override;

    ~BlockDevice() override;

    const BlockConfig& config() const { return config_; }
    uint64_t capacity() const;
    const BlockMetrics& metrics() const { return metrics_; }
    void collect_metrics(MetricSink& sink) const override;
    State save() const;
    // The engine serving requests: "sync", "io_uring" or "thread pool".
    const char* engine_kind() const { return engine_ ? engine_->kind() : "sync"; }

    // Waits for every request in flight and completes it.
    void drain() override;

    // PATCH /drives: replaces the limits (buckets absent from `config` are kept).
    [[nodiscard]] Result<> update_rate_limiter(const RateLimiterConfig& config);
    // PATCH /drives: serves the image at `path` from now on, opened with the same access.
    // Waits for requests in flight first; the new capacity is announced with a config
    // change interrupt. On failure the old image stays.
    [[nodiscard]] Result<> swap_backing_file(const std::string& path);

  private:
    // A request handed to the engine: what its completion needs.
    struct InFlight {
        uint64_t generation = 0;
        uint16_t head = 0;
        RequestType type = RequestType::In;
        GuestAddress status;
        uint32_t length = 0;
        // Keeps the buffers mapped until the engine is done with them.
        std::shared_ptr<const GuestMemory> memory;
    };

    BlockDevice(BlockConfig config, DiskImage image, std::unique_ptr<IoEngine> engine,
                std::unique_ptr<RateLimiter> limiter);
    void refresh_config_space();

    [[nodiscard]] Result<ChainOutcome> handle_chain(size_t queue_index, const GuestMemory& memory,
                                                    const DescriptorChain& chain) override;
    RateLimiter* queue_rate_limiter(size_t) override { return limiter_.get(); }
    std::vector<int> device_event_fds() override;
    void on_device_event(int fd) override;
    void on_reset() override;

    // Carries out a checked request; `written` counts the data bytes put in guest memory.
    RequestStatus execute(const Request& request, const GuestMemory& memory, uint32_t& written);
    RequestStatus get_id(const Request& request, const GuestMemory& memory, uint32_t& written);
    RequestStatus discard(const Request& request, const GuestMemory& memory);
    // Hands a checked read, write or flush to the engine; false when it could not start.
    bool submit(const Request& request, const GuestMemory& memory, uint16_t head);
    // Publishes what the engine finished.
    void finish(const std::vector<IoCompletion>& completions);
    void count_success(RequestType type, uint32_t length);
    bool write_through() const { return !(acked_features() & kBlockFeatureFlush); }

    BlockConfig config_;
    DiskImage image_;
    // Null for the synchronous path.
    std::unique_ptr<IoEngine> engine_;
    // Always present (unlimited when not configured), so that limits can be set at runtime.
    std::unique_ptr<RateLimiter> limiter_;
    BlockConfigSpace config_space_{};
    BlockMetrics metrics_;
    // Requests handed to the engine, by user_data; shared between handle_chain() (with the
    // QueueDevice mutex) and the completion handler (without it).
    std::mutex in_flight_mutex_;
    std::vector<std::optional<InFlight>> in_flight_;
    LogLimiter guest_io_warnings_;
};

}  // namespace zapotec::virtio
