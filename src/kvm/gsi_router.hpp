// The VM's GSI routing table. KVM_SET_GSI_ROUTING replaces the whole table, so this keeps
// every route (the irqchip pins and the MSI routes) and commits them together.
#pragma once

#include "arch/x86_64/kvm_uapi.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "base/error.hpp"
#include "kvm/vm.hpp"

namespace zapotec::kvm {

class GsiRouter {
  public:
    GsiRouter(const Vm& vm, uint32_t first_free_gsi) : vm_(vm), next_gsi_(first_free_gsi) {}

    // Records the routes of GSIs 0-23 to the in-kernel IOAPIC pins (and 0-15 to the PICs
    // too). KVM_CREATE_IRQCHIP installs exactly these, so nothing is committed until the
    // first MSI route: each commit waits for an SRCU grace period in the host kernel.
    [[nodiscard]] Result<> add_irqchip_routes(uint32_t ioapic_pins);
    uint32_t allocate_gsi();
    [[nodiscard]] Result<> set_msi_route(uint32_t gsi, uint64_t address, uint32_t data);
    [[nodiscard]] Result<> remove_route(uint32_t gsi);

  private:
    [[nodiscard]] Result<> replace_routes(uint32_t gsi,
                                          const std::vector<kvm_irq_routing_entry>& entries);
    [[nodiscard]] Result<> commit();

    const Vm& vm_;
    std::mutex mutex_;
    uint32_t next_gsi_;
    std::multimap<uint32_t, kvm_irq_routing_entry> routes_;
};

}  // namespace zapotec::kvm
