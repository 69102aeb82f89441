#include "kvm/gsi_router.hpp"

#include <vector>

namespace zapotec::kvm {

Result<> GsiRouter::add_irqchip_routes(uint32_t ioapic_pins) {
    std::lock_guard lock(mutex_);
    for (uint32_t pin = 0; pin < ioapic_pins; ++pin) {
        kvm_irq_routing_entry ioapic{};
        ioapic.gsi = pin;
        ioapic.type = KVM_IRQ_ROUTING_IRQCHIP;
        ioapic.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
        ioapic.u.irqchip.pin = pin;
        routes_.emplace(pin, ioapic);
        if (pin < 16) {
            kvm_irq_routing_entry pic{};
            pic.gsi = pin;
            pic.type = KVM_IRQ_ROUTING_IRQCHIP;
            pic.u.irqchip.irqchip = pin < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
            pic.u.irqchip.pin = pin % 8;
            routes_.emplace(pin, pic);
        }
    }
    return {};
}

uint32_t GsiRouter::allocate_gsi() {
    std::lock_guard lock(mutex_);
    return next_gsi_++;
}

Result<> GsiRouter::set_msi_route(uint32_t gsi, uint64_t address, uint32_t data) {
    std::lock_guard lock(mutex_);
    kvm_irq_routing_entry msi{};
    msi.gsi = gsi;
    msi.type = KVM_IRQ_ROUTING_MSI;
    msi.u.msi.address_lo = static_cast<uint32_t>(address);
    msi.u.msi.address_hi = static_cast<uint32_t>(address >> 32);
    msi.u.msi.data = data;
    return replace_routes(gsi, {msi});
}

Result<> GsiRouter::remove_route(uint32_t gsi) {
    std::lock_guard lock(mutex_);
    return replace_routes(gsi, {});
}

Result<> GsiRouter::replace_routes(uint32_t gsi,
                                   const std::vector<kvm_irq_routing_entry>& entries) {
    // Keep the old routes: if KVM rejects the new table, the previous one stays in force
    // (and in our copy), so one bad route cannot break every later commit.
    auto [first, last] = routes_.equal_range(gsi);
    std::vector<kvm_irq_routing_entry> previous;
    for (auto it = first; it != last; ++it)
        previous.push_back(it->second);
    routes_.erase(gsi);
    for (const auto& entry : entries)
        routes_.emplace(gsi, entry);
    auto committed = commit();
    if (!committed) {
        routes_.erase(gsi);
        for (const auto& entry : previous)
            routes_.emplace(gsi, entry);
    }
    return committed;
}

Result<> GsiRouter::commit() {
    std::vector<kvm_irq_routing_entry> entries;
    entries.reserve(routes_.size());
    for (const auto& [gsi, entry] : routes_)
        entries.push_back(entry);
    return vm_.set_gsi_routing(entries);
}

}  // namespace zapotec::kvm
