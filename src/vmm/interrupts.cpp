#include "vmm/interrupts.hpp"

#include <sys/eventfd.h>

#include "base/log.hpp"

namespace zapotec {

Result<std::shared_ptr<KvmMsiVectors>> KvmMsiVectors::create(const kvm::Vm& vm,
                                                             kvm::GsiRouter& router,
                                                             uint16_t count) {
    std::vector<Vector> vectors;
    for (uint16_t i = 0; i < count; ++i) {
        auto irqfd = TRY(EventFd::create(EFD_NONBLOCK));
        uint32_t gsi = router.allocate_gsi();
        TRY(vm.register_irqfd(irqfd.fd(), gsi));
        vectors.push_back(Vector{gsi, std::move(irqfd)});
    }
    return std::shared_ptr<KvmMsiVectors>(new KvmMsiVectors(router, std::move(vectors)));
}

Result<> KvmMsiVectors::route(uint16_t vector, std::optional<pci::MsiMessage> message) {
    if (vector >= vectors_.size())
        return make_error("MSI vector {} out of range", vector);
    if (!message)
        return router_.remove_route(vectors_[vector].gsi);
    return router_.set_msi_route(vectors_[vector].gsi, message->address, message->data);
}

void KvmMsiVectors::trigger(uint16_t vector) {
    if (vector >= vectors_.size())
        return;
    if (auto signalled = vectors_[vector].irqfd.signal(); !signalled) {
        spdlog::warn("MSI vector {}: {}", vector, signalled.error().message());
    }
}

Result<std::shared_ptr<IrqfdLine>> IrqfdLine::create(const kvm::Vm& vm, uint32_t gsi) {
    auto event = TRY(EventFd::create(EFD_NONBLOCK));
    TRY(vm.register_irqfd(event.fd(), gsi));
    return std::shared_ptr<IrqfdLine>(new IrqfdLine(std::move(event)));
}

void IrqfdLine::trigger() {
    if (auto signalled = event_.signal(); !signalled) {
        spdlog::warn("irqfd: {}", signalled.error().message());
    }
}

Result<> KvmNotifyRegistry::add(int event_fd, uint64_t address) {
    return vm_.register_ioevent(event_fd, kvm::IoEventSpace::Mmio, address, length());
}

Result<> KvmNotifyRegistry::remove(int event_fd, uint64_t address) {
    return vm_.unregister_ioevent(event_fd, kvm::IoEventSpace::Mmio, address, length());
}

}  // namespace zapotec
