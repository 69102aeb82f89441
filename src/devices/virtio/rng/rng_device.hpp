// The virtio entropy device (virtio 1.x, 5.4): fills the driver's buffers from getrandom().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "devices/virtio/queue/queue_device.hpp"
#include "rate_limiter/rate_limiter.hpp"

namespace zapotec::virtio {

struct RngConfig {
    // The most bytes one request gets, so that one request cannot hold the loop for long.
    uint32_t max_bytes_per_request = 64 * 1024;
    // Limits the bytes (and requests) served; none: unlimited.
    std::optional<RateLimiterConfig> rate_limiter;
};

struct RngMetrics {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> bytes{0};
    // getrandom() failures; the request is then completed with what was already filled.
    std::atomic<uint64_t> errors{0};
    // Requests the rate limiter refused (each served later).
    std::atomic<uint64_t> throttled{0};
};

class RngDevice final : public QueueDevice {
  public:
    static constexpr uint16_t kQueueSize = 256;

    struct State {
        RngConfig config;
        uint64_t acked_features = 0;
        std::vector<QueueState> queues;
    };

    [[nodiscard]] static Result<std::shared_ptr<RngDevice>> create(const RngConfig& config = {});

    DeviceType device_type() const override { return DeviceType::Rng; }
    std::string name() const override { return "rng"; }
    uint64_t device_features() const override;
    std::vector<uint16_t> queue_max_sizes() const override { return {kQueueSize}; }
    // The entropy device has no configuration space.
    void read_config(uint64_t offset, std::span<uint8_t> data) override;
    void write_config(uint64_t offset, std::span<const uint8_t> data) override;

    const RngConfig& config() const { return config_; }
    const RngMetrics& metrics() const { return metrics_; }
    void collect_metrics(MetricSink& sink) const override;
    State save() const;
    // Replaces the limits (buckets absent from `config` are kept).
    [[nodiscard]] Result<> update_rate_limiter(const RateLimiterConfig& config);

  private:
    RngDevice(const RngConfig& config, std::unique_ptr<RateLimiter> limiter)
        : config_(config), limiter_(std::move(limiter)) {}

    [[nodiscard]] Result<ChainOutcome> handle_chain(size_t queue_index, const GuestMemory& memory,
                                                    const DescriptorChain& chain) override;
    RateLimiter* queue_rate_limiter(size_t) override { return limiter_.get(); }
    // Fills `buffer` completely, or returns false when getrandom() fails.
    bool fill(std::span<uint8_t> buffer);

    RngConfig config_;
    // Always present (unlimited when not configured), so that limits can be set at runtime.
    std::unique_ptr<RateLimiter> limiter_;
    RngMetrics metrics_;
};

}  // namespace zapotec::virtio
