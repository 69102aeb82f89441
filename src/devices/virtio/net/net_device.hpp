// The virtio network device (virtio 1.x, 5.1): one RX and one TX queue between the guest
// and a host backend (a tap), with checksum and segmentation offloads, mergeable RX
// buffers and optional rate limits in each direction.
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
#include "base/log_limiter.hpp"
#include "devices/virtio/net/rx.hpp"
#include "devices/virtio/net/tx.hpp"
#include "devices/virtio/virtio_device.hpp"
#include "net/net_backend.hpp"
#include "rate_limiter/rate_limiter.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec::virtio {

// The user's network-interfaces entry; the device keeps it for save() (a restore reopens
// host_dev_name), and generates guest_mac when it is not given.
using NetConfig = NetworkInterfaceConfig;

// The device's configuration space (struct virtio_net_config) up to mtu.
struct NetConfigSpace {
    uint8_t mac[6];
    uint16_t status;
    uint16_t max_virtqueue_pairs;
    uint16_t mtu;
};
static_assert(sizeof(NetConfigSpace) == 12);
static_assert(offsetof(NetConfigSpace, status) == 6);
static_assert(offsetof(NetConfigSpace, mtu) == 10);

inline constexpr uint16_t kNetStatusLinkUp = 1;

// Counters for the metrics endpoint; updated on the event loop, read from anywhere.
struct NetMetrics {
    std::atomic<uint64_t> rx_bytes{0};
    std::atomic<uint64_t> rx_packets{0};
    std::atomic<uint64_t> tx_bytes{0};
    std::atomic<uint64_t> tx_packets{0};
    // Frames that could not be delivered: too large for the guest's buffers, malformed TX
    // chains, or a backend that refused them.
    std::atomic<uint64_t> rx_dropped{0};
    std::atomic<uint64_t> tx_dropped{0};
    // Times a rate limiter held a direction back.
    std::atomic<uint64_t> rx_throttled{0};
    std::atomic<uint64_t> tx_throttled{0};
    // Backend read/write failures.
    std::atomic<uint64_t> errors{0};
};

// Threads: activate() and reset() come from vCPU threads (through the transport); queue,
// backend and timer events run on the event loop thread; one mutex orders them. The event
// loop handed to activate() must outlive the activation.
class NetDevice final : public VirtioDevice, public std::enable_shared_from_this<NetDevice> {
  public:
    static constexpr uint16_t kQueueSize = 256;
    static constexpr size_t kRxQueue = 0;
    static constexpr size_t kTxQueue = 1;

    struct State {
        NetConfig config;  // guest_mac always set.
        uint64_t acked_features = 0;
        // next_avail excludes chains the device held without completing, so that a
        // restored device pops them again.
        std::vector<QueueState> queues;
    };

    // Builds the device over `backend`; fails on a bad MTU or rate limiter (errors name the
    // field: "mtu: ...", "rx_rate_limiter.bandwidth...: ...").
    [[nodiscard]] static Result<std::shared_ptr<NetDevice>> create(
        NetConfig config, std::unique_ptr<net::NetBackend> backend);
    ~NetDevice() override;
    NetDevice(const NetDevice&) = delete;
    NetDevice& operator=(const NetDevice&) = delete;

    DeviceType device_type() const override { return DeviceType::Net; }
    std::string name() const override;
    uint64_t device_features() const override;
    std::vector<uint16_t> queue_max_sizes() const override { return {kQueueSize, kQueueSize}; }
    void read_config(uint64_t offset, std::span<uint8_t> data) override;
    void write_config(uint64_t offset, std::span<const uint8_t> data) override;

    [[nodiscard]] Result<> activate(ActivateContext context) override;
    void reset() override;
    bool broken() const override { return broken_.load(); }
    void collect_metrics(MetricSink& sink) const override;

    // Moves frames from the backend into the guest's RX buffers until the backend has none,
    // the driver has posted too few buffers, the rate limiter says wait, or this run's
    // budget is spent. The event loop calls it; tests call it directly.
    void process_rx();
    // The driver posted RX buffers: retry a waiting frame and read the backend again.
    void on_rx_kick();
    // Sends the chains the driver posted on the TX queue, within the same limits.
    void process_tx();

    // PATCH /network-interfaces: changes the buckets given, keeps the others.
    [[nodiscard]] Result<> update_rate_limiters(const std::optional<RateLimiterConfig>& rx,
                                                const std::optional<RateLimiterConfig>& tx);

    const NetConfig& config() const { return config_; }
    const MacAddress& mac() const { return *config_.guest_mac; }
    const NetMetrics& metrics() const { return metrics_; }
    // The epoll events the device currently wants on the backend fd (EPOLLIN while it can
    // take frames, EPOLLOUT while a TX frame waits for room); for tests.
    uint32_t backend_interest() const;
    State save() const;

  private:
    NetDevice(NetConfig config, std::unique_ptr<net::NetBackend> backend,
              std::unique_ptr<RateLimiter> rx_limiter, std::unique_ptr<RateLimiter> tx_limiter);

    // Everything below runs with mutex_ held.
    [[nodiscard]] Result<> register_events();
    void unregister_events();
    void update_backend_watch();
    uint32_t wanted_backend_events() const;
    void on_backend_event(uint32_t events);
    // The queue at `index` when the device is active, not broken and the queue is ready.
    Queue* serving(size_t index);
    void notify(size_t index);
    void mark_broken(size_t queue_index, const Error& error);
    void process_rx_locked();
    void process_tx_locked();
    // Delivers the pending RX frame; false when it must wait (buffers or rate limit).
    [[nodiscard]] bool deliver_pending_rx(Queue& queue, bool& used);
    // Sends the pending TX frame; false when it must wait (rate limit or backend full).
    [[nodiscard]] bool send_pending_tx();
    void drop_rx_state();

    NetConfig config_;
    std::unique_ptr<net::NetBackend> backend_;
    std::unique_ptr<RateLimiter> rx_limiter_;
    std::unique_ptr<RateLimiter> tx_limiter_;
    NetConfigSpace config_space_{};
    NetMetrics metrics_;

    mutable std::mutex mutex_;
    std::optional<ActivateContext> context_;
    std::vector<int> registered_fds_;  // Queue events and limiter timers.
    uint32_t backend_events_ = 0;      // What the backend fd is registered for; 0: not.
    std::atomic<bool> broken_{false};
    std::atomic<uint64_t> acked_features_{0};

    RxBuffers rx_buffers_;
    std::vector<uint8_t> rx_frame_;          // kMaxFrameWithHeader bytes.
    std::optional<size_t> rx_frame_length_;  // A frame read and not yet delivered.
    bool rx_frame_admitted_ = false;         // The rx limiter accounted for it.
    bool rx_backend_failed_ = false;         // Stop reading until the next RX kick.
    std::optional<TxFrame> tx_frame_;        // A frame popped and not yet sent.
    bool tx_waiting_for_backend_ = false;    // The backend said EAGAIN.

    // A driver can break the device, reset it and break it again without end; the backend
    // can fail on every frame.
    LogLimiter guest_warnings_;
    LogLimiter backend_warnings_;
};

}  // namespace zapotec::virtio
