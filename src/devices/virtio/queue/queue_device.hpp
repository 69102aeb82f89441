// The part every queue-driven virtio device shares: activation and reset, watching each
// queue's eventfd on the event loop, popping chains, signalling the interrupt, and turning a
// driver's protocol violation into a broken device.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "base/error.hpp"
#include "base/log_limiter.hpp"
#include "devices/virtio/queue/queue.hpp"
#include "devices/virtio/virtio_device.hpp"

namespace zapotec {
class RateLimiter;
}

namespace zapotec::virtio {

// What a device did with a chain handed to handle_chain().
struct ChainOutcome {
    enum class Kind {
        // Served: `written` bytes went into its writable buffers; it goes on the used ring now.
        Completed,
        // Started: the device calls complete() for it later, from the event loop.
        Pending,
        // Not started: the queue's rate limiter refused it. The chain is put back and the
        // queue is not served again until the limiter's timer fires.
        Throttled,
    };
    Kind kind = Kind::Completed;
    uint32_t written = 0;

    static ChainOutcome completed(uint32_t written) { return {Kind::Completed, written}; }
    static ChainOutcome pending() { return {Kind::Pending, 0}; }
    static ChainOutcome throttled() { return {Kind::Throttled, 0}; }
};

// A chain that a device left pending and has now finished.
struct Completion {
    size_t queue_index = 0;
    uint16_t head = 0;
    uint32_t written = 0;
};

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

    // Serves one chain: completes it, starts it (Pending), or leaves it (Throttled). An error
    // means the chain breaks the protocol beyond what a status can report: the device logs
    // it once and ignores the guest until reset. Called with the mutex held.
    [[nodiscard]] virtual Result<ChainOutcome> handle_chain(size_t queue_index,
                                                            const GuestMemory& memory,
                                                            const DescriptorChain& chain) = 0;

    // Publishes chains left Pending by handle_chain() and signals the interrupts the driver
    // wants. `generation` is what generation() returned when the chains were started: chains
    // from before a reset or a new activation are dropped. `prepare` runs for each accepted
    // completion before it is published (e.g. to write a status byte). Takes the mutex: call
    // it from the event loop (or drain()), never from handle_chain().
    void complete(uint64_t generation, std::span<const Completion> completions,
                  const std::function<void(const Completion&)>& prepare = {});
    // Changes on every activation and reset. Call it from handle_chain() (mutex held).
    uint64_t generation() const { return generation_; }

    // The limiter that throttles queue `index`, or null. QueueDevice watches its timer while
    // active and serves the queue again when it fires; a device returns Throttled only for a
    // queue that has one. Must stay the same object while the device is active.
    virtual RateLimiter* queue_rate_limiter(size_t index) {
        (void)index;
        return nullptr;
    }
    // Extra fds the device wants watched (EPOLLIN) while active, e.g. an I/O engine's
    // completion eventfd; on_device_event() runs on the loop without the mutex held.
    virtual std::vector<int> device_event_fds() { return {}; }
    virtual void on_device_event(int fd) { (void)fd; }
    // Runs after reset() made the device inactive, without the mutex held: a device with
    // I/O in flight waits for it here (its completions are then dropped).
    virtual void on_reset() {}
    // The guest memory of the activation; null while inactive. Mutex held (handle_chain()).
    std::shared_ptr<const GuestMemory> guest_memory() const {
        return context_ ? context_->memory : nullptr;
    }
    // Tells the driver that the configuration space changed; nothing while inactive.
    void signal_config_change();
    // Kicks every queue so that the event loop serves it soon (after a limiter update).
    void kick_queues();
    // Runs `task` with the mutex held, for state shared with handle_chain().
    void locked(const std::function<void()>& task) const;

    // The features the driver accepted; zero while inactive. Safe from handle_chain().
    uint64_t acked_features() const { return acked_features_.load(); }
    // The queues' registers and progress, for save(); empty while inactive. Takes the
    // mutex, so it must not be called from handle_chain().
    std::vector<QueueState> queue_states() const;

  private:
    void mark_broken(size_t queue_index, const Error& error);
    void unregister_events();
    [[nodiscard]] Result<> register_events();
    [[nodiscard]] Result<> watch(int fd, EventLoop::Handler handler);
    void on_limiter_timer(size_t index);
    // Signals the interrupt of queue `index` if the driver wants one; mutex held.
    void notify(size_t index);

    mutable std::mutex mutex_;
    std::optional<ActivateContext> context_;
    std::vector<int> registered_fds_;
    std::atomic<bool> broken_{false};
    std::atomic<uint64_t> acked_features_{0};
    uint64_t generation_ = 0;
    // A driver can break the device, reset it and break it again without end.
    LogLimiter guest_warnings_;
};

}  // namespace zapotec::virtio
