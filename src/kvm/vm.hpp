// A KVM virtual machine: memory slots, the in-kernel interrupt controllers, irqfds,
// ioeventfds and GSI routing. vCPUs are created from it.
#pragma once

#include "arch/x86_64/kvm_uapi.hpp"

#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace zapotec::kvm {

class Vcpu;

enum class IoEventSpace { Pio, Mmio };

class Vm {
  public:
    Vm(UniqueFd fd, size_t vcpu_mmap_size) : fd_(std::move(fd)), vcpu_mmap_size_(vcpu_mmap_size) {}

    [[nodiscard]] Result<> set_user_memory_region(uint32_t slot, uint64_t guest_address,
                                                  uint64_t size, void* host_address,
                                                  uint32_t flags = 0) const;
    // x86 platform setup: TSS and identity-map pages (Intel), IOAPIC+PIC+LAPICs, PIT.
    [[nodiscard]] Result<> set_tss_address(uint64_t address) const;
    [[nodiscard]] Result<> set_identity_map_address(uint64_t address) const;
    [[nodiscard]] Result<> create_irqchip() const;
    [[nodiscard]] Result<> create_pit() const;

    [[nodiscard]] Result<Vcpu> create_vcpu(uint32_t id) const;

    // Signalling `event_fd` raises `gsi` (edge) in the guest.
    [[nodiscard]] Result<> register_irqfd(int event_fd, uint32_t gsi) const;
    [[nodiscard]] Result<> unregister_irqfd(int event_fd, uint32_t gsi) const;
    // A guest write of `length` bytes (0: any length) at `address` signals `event_fd`
    // inside KVM, without an exit to user space.
    [[nodiscard]] Result<> register_ioevent(int event_fd, IoEventSpace space, uint64_t address,
                                            uint32_t length) const;
    [[nodiscard]] Result<> unregister_ioevent(int event_fd, IoEventSpace space, uint64_t address,
                                              uint32_t length) const;
    // Replaces the whole GSI routing table (KVM_SET_GSI_ROUTING).
    [[nodiscard]] Result<> set_gsi_routing(const std::vector<kvm_irq_routing_entry>& entries) const;
    // Sets a level on an irqchip input line (KVM_IRQ_LINE).
    [[nodiscard]] Result<> set_irq_line(uint32_t irq, bool level) const;
    // The guest's kvmclock in nanoseconds (KVM_GET_CLOCK), and setting it back
    // (KVM_SET_CLOCK), so that a paused guest does not see the pause as a jump in time.
    // Both need KVM_CAP_ADJUST_CLOCK.
    [[nodiscard]] Result<uint64_t> get_clock() const;
    [[nodiscard]] Result<> set_clock(uint64_t nanoseconds) const;

    int fd() const { return fd_.get(); }

  private:
    [[nodiscard]] Result<> ioevent(int event_fd, IoEventSpace space, uint64_t address,
                                   uint32_t length, bool deassign) const;
    UniqueFd fd_;
    size_t vcpu_mmap_size_ = 0;
};

}  // namespace zapotec::kvm
