#include "kvm/vm.hpp"

#include <sys/ioctl.h>

#include <cstring>
#include <memory>

#include "kvm/vcpu.hpp"

namespace zapotec::kvm {

Result<> Vm::set_user_memory_region(uint32_t slot, uint64_t guest_address, uint64_t size,
                                    void* host_address, uint32_t flags) const {
    kvm_userspace_memory_region region{};
    region.slot = slot;
    region.flags = flags;
    region.guest_phys_addr = guest_address;
    region.memory_size = size;
    region.userspace_addr = reinterpret_cast<uint64_t>(host_address);
    if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        return errno_error(fmt::format("KVM_SET_USER_MEMORY_REGION slot {} at {:#x}+{:#x}", slot,
                                       guest_address, size));
    }
    return {};
}

Result<> Vm::set_tss_address(uint64_t address) const {
    if (::ioctl(fd_.get(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(address)) < 0) {
        return errno_error("KVM_SET_TSS_ADDR");
    }
    return {};
}

Result<> Vm::set_identity_map_address(uint64_t address) const {
    uint64_t value = address;
    if (::ioctl(fd_.get(), KVM_SET_IDENTITY_MAP_ADDR, &value) < 0) {
        return errno_error("KVM_SET_IDENTITY_MAP_ADDR");
    }
    return {};
}

Result<> Vm::create_irqchip() const {
    if (::ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0) < 0)
        return errno_error("KVM_CREATE_IRQCHIP");
    return {};
}

Result<> Vm::create_pit() const {
    kvm_pit_config config{};
    config.flags = KVM_PIT_SPEAKER_DUMMY;
    if (::ioctl(fd_.get(), KVM_CREATE_PIT2, &config) < 0)
        return errno_error("KVM_CREATE_PIT2");
    return {};
}

Result<Vcpu> Vm::create_vcpu(uint32_t id) const {
    int fd = ::ioctl(fd_.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(id));
    if (fd < 0)
        return errno_error(fmt::format("KVM_CREATE_VCPU {}", id));
    return Vcpu::create(UniqueFd(fd), id, vcpu_mmap_size_);
}

Result<> Vm::register_irqfd(int event_fd, uint32_t gsi) const {
    kvm_irqfd irqfd{};
    irqfd.fd = static_cast<uint32_t>(event_fd);
    irqfd.gsi = gsi;
    if (::ioctl(fd_.get(), KVM_IRQFD, &irqfd) < 0) {
        return errno_error(fmt::format("KVM_IRQFD gsi {}", gsi));
    }
    return {};
}

Result<> Vm::unregister_irqfd(int event_fd, uint32_t gsi) const {
    kvm_irqfd irqfd{};
    irqfd.fd = static_cast<uint32_t>(event_fd);
    irqfd.gsi = gsi;
    irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
    if (::ioctl(fd_.get(), KVM_IRQFD, &irqfd) < 0) {
        return errno_error(fmt::format("KVM_IRQFD deassign gsi {}", gsi));
    }
    return {};
}

Result<> Vm::ioevent(int event_fd, IoEventSpace space, uint64_t address, uint32_t length,
                     bool deassign) const {
    kvm_ioeventfd ioeventfd{};
    ioeventfd.addr = address;
    ioeventfd.len = length;
    ioeventfd.fd = event_fd;
    ioeventfd.flags = (space == IoEventSpace::Pio ? KVM_IOEVENTFD_FLAG_PIO : 0u) |
                      (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0u);
    if (::ioctl(fd_.get(), KVM_IOEVENTFD, &ioeventfd) < 0) {
        return errno_error(
            fmt::format("KVM_IOEVENTFD {} {:#x}", deassign ? "deassign" : "assign", address));
    }
    return {};
}

Result<> Vm::register_ioevent(int event_fd, IoEventSpace space, uint64_t address,
                              uint32_t length) const {
    return ioevent(event_fd, space, address, length, false);
}

Result<> Vm::unregister_ioevent(int event_fd, IoEventSpace space, uint64_t address,
                                uint32_t length) const {
    return ioevent(event_fd, space, address, length, true);
}

Result<> Vm::set_gsi_routing(const std::vector<kvm_irq_routing_entry>& entries) const {
    size_t bytes = sizeof(kvm_irq_routing) + entries.size() * sizeof(kvm_irq_routing_entry);
    auto storage = std::make_unique<uint8_t[]>(bytes);
    std::memset(storage.get(), 0, bytes);
    auto* routing = reinterpret_cast<kvm_irq_routing*>(storage.get());
    routing->nr = static_cast<uint32_t>(entries.size());
    std::memcpy(routing->entries, entries.data(), entries.size() * sizeof(kvm_irq_routing_entry));
    if (::ioctl(fd_.get(), KVM_SET_GSI_ROUTING, routing) < 0) {
        return errno_error("KVM_SET_GSI_ROUTING");
    }
    return {};
}

Result<> Vm::set_irq_line(uint32_t irq, bool level) const {
    kvm_irq_level irq_level{};
    irq_level.irq = irq;
    irq_level.level = level ? 1 : 0;
    if (::ioctl(fd_.get(), KVM_IRQ_LINE, &irq_level) < 0) {
        return errno_error(fmt::format("KVM_IRQ_LINE {}", irq));
    }
    return {};
}

Result<uint64_t> Vm::get_clock() const {
    kvm_clock_data data{};
    if (::ioctl(fd_.get(), KVM_GET_CLOCK, &data) < 0)
        return errno_error("KVM_GET_CLOCK");
    return uint64_t{data.clock};
}

Result<> Vm::set_clock(uint64_t nanoseconds) const {
    // Flags stay 0: the flags KVM_GET_CLOCK reports (KVM_CLOCK_TSC_STABLE, ...) are refused
    // by older kernels' KVM_SET_CLOCK.
    kvm_clock_data data{};
    data.clock = nanoseconds;
    if (::ioctl(fd_.get(), KVM_SET_CLOCK, &data) < 0)
        return errno_error("KVM_SET_CLOCK");
    return {};
}

}  // namespace zapotec::kvm
