// The part every queue-driven virtio device shares: activation and reset, watching each
// queue's eventfd on the event loop, popping chains, signalling the interrupt, and turning a
// driver's protocol violation into a broken device.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/error.hpp"
#include "base/log_limiter.hpp"
#include "devices/virtio/queue/queue.hpp"
#include "devices/virtio/virtio_device.hpp"

namespace zapotec::virtio {

// Threads: activate() and reset() come from vCPU threads (through the transport), while
// queue processing runs on the event loop thread; one mutex orders them. The event loop
// handed to activate() must outlive the activation (until reset() or destruction).
class QueueDevice : public VirtioDevice, public std::enable_shared_from_this<QueueDevice> {
  public:
    ~QueueDevice() override;
    QueueDevice(const QueueDevice&) = delete;
    QueueDevice& operator=(const QueueDevice&) = delete;

    // Keeps the context, validates the ready queues and watches their eventfds (when an
    // event loop is given). The device must be owned by a std::shared_ptr.
    [[nodiscard]] Result<> activate(ActivateContext context) final;
    void reset() final;
    bool broken() const final { return broken_.load(); }
    bool active() const;

    // Completes the chains the driver has posted on queue `index` and signals the
    // interrupt if the driver wants one. The event loop calls it when the queue is
    // notified; tests call it directly. Does nothing while inactive or broken.
    void process_queue(size_t index);

  protected:
    QueueDevice() = default;

    // Serves one chain and returns the number of bytes written into its writable buffers.
    // An error means the chain breaks the protocol beyond what a status can report: the
    // device logs it once and ignores the guest until reset. Called with the mutex held.
    [[nodiscard]] virtual Result<uint32_t> handle_chain(size_t queue_index,
                                                        const GuestMemory& memory,
                                                        const DescriptorChain& chain) = 0;

    // The features the driver accepted; zero while inactive. Safe from handle_chain().
    uint64_t acked_features() const { return acked_features_.load(); }
    // The queues' registers and progress, for save(); empty while inactive. Takes the
    // mutex, so it must not be called from handle_chain().
    std::vector<QueueState> queue_states() const;

  private:
    void mark_broken(size_t queue_index, const Error& error);
    void unregister_events();

    mutable std::mutex mutex_;
    std::optional<ActivateContext> context_;
    std::vector<int> registered_fds_;
    std::atomic<bool> broken_{false};
    std::atomic<uint64_t> acked_features_{0};
    // A driver can break the device, reset it and break it again without end.
    LogLimiter guest_warnings_;
};

}  // namespace zapotec::virtio
