// The virtio block device (virtio 1.x, 5.2): one request queue served from a raw image file.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "devices/virtio/block/disk_image.hpp"
#include "devices/virtio/block/request.hpp"
#include "devices/virtio/queue/queue_device.hpp"

namespace zapotec::virtio {

// Device feature bits (virtio 1.x, 5.2.3).
inline constexpr uint64_t kBlockFeatureSegMax = 1ull << 2;
inline constexpr uint64_t kBlockFeatureReadOnly = 1ull << 5;
inline constexpr uint64_t kBlockFeatureBlkSize = 1ull << 6;
inline constexpr uint64_t kBlockFeatureFlush = 1ull << 9;

struct BlockConfig {
    // The drive's name, reported to the guest as its serial by GET_ID (at most 20 bytes).
    std::string drive_id;
    std::string path;
    bool read_only = false;
};

// The device's configuration space (struct virtio_blk_config) up to max_discard_sectors;
// the fields after it belong to features this device does not offer.
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
};
static_assert(sizeof(BlockConfigSpace) == 40);
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
    // Requests answered with a status other than OK.
    std::atomic<uint64_t> errors{0};
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

    const BlockConfig& config() const { return config_; }
    uint64_t capacity() const { return image_.sectors(); }
    const BlockMetrics& metrics() const { return metrics_; }
    State save() const;

  private:
    BlockDevice(BlockConfig config, DiskImage image);

    [[nodiscard]] Result<uint32_t> handle_chain(size_t queue_index, const GuestMemory& memory,
                                                const DescriptorChain& chain) override;
    // Carries out a checked request; `written` counts the data bytes put in guest memory.
    RequestStatus execute(const Request& request, const GuestMemory& memory, uint32_t& written);
    RequestStatus get_id(const Request& request, const GuestMemory& memory, uint32_t& written);

    BlockConfig config_;
    DiskImage image_;
    BlockConfigSpace config_space_{};
    BlockMetrics metrics_;
};

}  // namespace zapotec::virtio
