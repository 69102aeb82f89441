// KVM-backed interrupt plumbing handed to devices: MSI vectors (a GSI route plus an irqfd
// per vector) and queue-notify ioeventfds.
#pragma once

#include <memory>
#include <vector>

#include "base/event_fd.hpp"
#include "devices/irq_line.hpp"
#include "devices/pci/msix.hpp"
#include "devices/virtio/pci/virtio_pci_device.hpp"
#include "kvm/gsi_router.hpp"
#include "kvm/vm.hpp"

namespace zapotec {

class KvmMsiVectors : public pci::MsiVectors {
  public:
    [[nodiscard]] static Result<std::shared_ptr<KvmMsiVectors>> create(const kvm::Vm& vm,
                                                                       kvm::GsiRouter& router,
                                                                       uint16_t count);
    [[nodiscard]] Result<> route(uint16_t vector, std::optional<pci::MsiMessage> message) override;
    void trigger(uint16_t vector) override;

  private:
    struct Vector {
        uint32_t gsi;
        EventFd irqfd;
    };
    KvmMsiVectors(kvm::GsiRouter& router, std::vector<Vector> vectors)
        : router_(router), vectors_(std::move(vectors)) {}
    kvm::GsiRouter& router_;
    std::vector<Vector> vectors_;
};

// An edge-triggered interrupt line into the in-kernel IOAPIC/PIC, through an irqfd.
class IrqfdLine : public IrqLine {
  public:
    [[nodiscard]] static Result<std::shared_ptr<IrqfdLine>> create(const kvm::Vm& vm, uint32_t gsi);
    void trigger() override;

  private:
    explicit IrqfdLine(EventFd event) : event_(std::move(event)) {}
    EventFd event_;
};

class KvmNotifyRegistry : public virtio::NotifyRegistry {
  public:
    KvmNotifyRegistry(const kvm::Vm& vm, bool any_length) : vm_(vm), any_length_(any_length) {}
    [[nodiscard]] Result<> add(int event_fd, uint64_t address) override;
    [[nodiscard]] Result<> remove(int event_fd, uint64_t address) override;

  private:
    // Linux writes the 16-bit queue index; with KVM_CAP_IOEVENTFD_ANY_LENGTH any width
    // matches.
    uint32_t length() const { return any_length_ ? 0 : 2; }
    const kvm::Vm& vm_;
    bool any_length_;
};

}  // namespace zapotec
