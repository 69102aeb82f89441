// The virtio 1.x PCI transport ("modern" virtio-pci): a PCI function whose BAR0 holds the
// common configuration, ISR, device configuration, queue notification area and MSI-X
// table, wrapped around one VirtioDevice.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "base/event_fd.hpp"
#include "base/log_limiter.hpp"
#include "devices/pci/msix.hpp"
#include "devices/pci/pci_device.hpp"
#include "devices/virtio/pci/common_config.hpp"
#include "devices/virtio/virtio_device.hpp"

namespace zapotec::virtio {

// Registers queue-notify addresses with KVM so guest notifications skip user space.
class NotifyRegistry {
  public:
    virtual ~NotifyRegistry() = default;
    [[nodiscard]] virtual Result<> add(int event_fd, uint64_t address) = 0;
    [[nodiscard]] virtual Result<> remove(int event_fd, uint64_t address) = 0;
};

struct VirtioPciDeps {
    std::shared_ptr<const GuestMemory> memory;
    std::shared_ptr<pci::MsiVectors> msi_vectors;
    std::shared_ptr<NotifyRegistry> notify_registry;  // May be null (notifications then exit).
    EventLoop* event_loop = nullptr;
};

class VirtioPciDevice : public pci::PciDevice {
  public:
    // BAR0 layout.
    static constexpr uint64_t kCommonConfigOffset = 0x0000;
    static constexpr uint64_t kIsrOffset = 0x1000;
    static constexpr uint64_t kDeviceConfigOffset = 0x2000;
    static constexpr uint64_t kNotifyOffset = 0x3000;
    static constexpr uint64_t kNotifyMultiplier = 4;
    static constexpr uint64_t kMsixTableOffset = 0x4000;
    static constexpr uint64_t kMsixPbaOffset = 0x6000;
    static constexpr uint64_t kBar0Size = 0x8000;

    [[nodiscard]] static Result<std::shared_ptr<VirtioPciDevice>> create(
        std::shared_ptr<VirtioDevice> device, VirtioPciDeps deps, uint64_t bar0_address);

    // Stops the device if it is running: it holds this transport's interrupt.
    ~VirtioPciDevice() override;

    std::string name() const override;
    void read_bar(int bar, uint64_t offset, std::span<uint8_t> data) override;
    void write_bar(int bar, uint64_t offset, std::span<const uint8_t> data) override;

    VirtioDevice& device() { return *device_; }
    uint8_t status();

  private:
    class QueueInterrupt;

    VirtioPciDevice(std::shared_ptr<VirtioDevice> device, VirtioPciDeps deps, uint64_t bar0_address,
                    std::vector<std::shared_ptr<EventFd>> queue_events);

    void config_written(uint16_t offset, size_t size) override;
    void bar_remapped(int bar, std::optional<uint64_t> old_address,
                      std::optional<uint64_t> new_address) override;

    void handle_status_change(StatusChange change);
    void activate();
    // Sets DEVICE_NEEDS_RESET and tells the driver through the configuration interrupt.
    void needs_reset();
    void reset_device();
    void signal_vector(uint16_t vector);

    std::shared_ptr<VirtioDevice> device_;
    VirtioPciDeps deps_;
    std::vector<std::shared_ptr<EventFd>> queue_events_;
    std::shared_ptr<pci::MsixTable> msix_;
    uint16_t msix_capability_ = 0;

    std::mutex mutex_;  // Guards common_ and activation.
    CommonConfig common_;
    bool active_ = false;
    std::atomic<uint8_t> isr_{0};
    // Mirrors of the MSI-X vectors for the interrupt path, which must not take mutex_ (the
    // device may signal while holding its own lock, which reset() also takes under mutex_).
    std::unique_ptr<std::atomic<uint16_t>[]> queue_vectors_;
    std::atomic<uint16_t> config_vector_{kNoVector};
    std::shared_ptr<QueueInterrupt> interrupt_;
    // The driver can repeat what these warnings report as often as it likes.
    LogLimiter guest_warnings_;
};

}  // namespace zapotec::virtio
