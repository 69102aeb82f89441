// The interface between a virtio device (block, rng, net, ...) and its transport (PCI).
// The transport owns the feature negotiation, the queue registers and the interrupts; the
// device owns its configuration space and serves its queues once activated.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/event_fd.hpp"
#include "devices/virtio/queue/queue.hpp"
#include "event/event_loop.hpp"
#include "memory/guest_memory.hpp"
#include "metrics/metric_sink.hpp"

namespace zapotec::virtio {

enum class DeviceType : uint32_t {
    Net = 1,
    Block = 2,
    Console = 3,
    Rng = 4,
    Balloon = 5,
    Vsock = 19,
};

// Feature bits shared by every device type.
inline constexpr uint64_t kFeatureRingIndirectDesc = 1ull << 28;
inline constexpr uint64_t kFeatureRingEventIdx = 1ull << 29;
inline constexpr uint64_t kFeatureVersion1 = 1ull << 32;
inline constexpr uint64_t kFeatureAccessPlatform = 1ull << 33;

// How a device tells the driver that a queue has new used buffers or the config changed.
class Interrupt {
  public:
    virtual ~Interrupt() = default;
    virtual void signal_queue(uint16_t queue_index) = 0;
    virtual void signal_config() = 0;
};

// What a device is handed when the driver sets DRIVER_OK.
struct ActivateContext {
    std::shared_ptr<const GuestMemory> memory;
    std::vector<Queue> queues;
    // One eventfd per queue, signalled when the driver notifies that queue; the device
    // watches them on the event loop.
    std::vector<std::shared_ptr<EventFd>> queue_events;
    std::shared_ptr<Interrupt> interrupt;
    uint64_t acked_features = 0;
    EventLoop* event_loop = nullptr;
};

class VirtioDevice {
  public:
    virtual ~VirtioDevice() = default;

    virtual DeviceType device_type() const = 0;
    // A short name for logs and metrics, e.g. "block rootfs".
    virtual std::string name() const = 0;
    // Features the device offers; kFeatureVersion1 must be among them.
    virtual uint64_t device_features() const = 0;
    // The maximum size of each queue; the number of entries is the number of queues.
    virtual std::vector<uint16_t> queue_max_sizes() const = 0;

    // Device-specific configuration space (virtio 1.x, the device's section).
    virtual void read_config(uint64_t offset, std::span<uint8_t> data) = 0;
    virtual void write_config(uint64_t offset, std::span<const uint8_t> data) = 0;

    // Starts serving the queues; the device keeps what it needs from the context.
    [[nodiscard]] virtual Result<> activate(ActivateContext context) = 0;
    // Stops serving the queues (driver reset); the device returns to its inactive state.
    virtual void reset() = 0;

    // A device marks itself broken when the driver breaks the protocol; it then ignores
    // the guest until reset. Only this guest's device is affected.
    virtual bool broken() const = 0;

    // Reports the device's counters (bytes, ops, throttled events, errors, ...). The caller
    // scopes them by name(). Safe from any thread.
    virtual void collect_metrics(MetricSink& sink) const { (void)sink; }

    // Pause support: returns once no I/O the device has started (e.g. io_uring requests in
    // flight) can still write guest memory. Called on the event loop thread after the vCPUs
    // are stopped and the device's events are no longer dispatched. Devices that complete
    // everything synchronously need not override it.
    virtual void drain() {}
};

}  // namespace zapotec::virtio
