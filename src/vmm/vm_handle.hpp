// What the controller needs of a built VM, as an interface: the real one wraps Vmm, and
// tests stand in a fake to drive the controller through a "started" VM without KVM.
#pragma once

#include <functional>
#include <memory>

#include "base/error.hpp"
#include "metrics/metrics_collector.hpp"
#include "vmm/vm_config.hpp"
#include "vmm/vm_exit.hpp"
#include "vmm/vmm.hpp"

namespace zapotec {

class VmHandle {
  public:
    virtual ~VmHandle() = default;

    // Vmm's methods of the same names; see vmm.hpp.
    [[nodiscard]] virtual Result<> start() = 0;
    [[nodiscard]] virtual Result<> pause() = 0;
    [[nodiscard]] virtual Result<> resume() = 0;
    [[nodiscard]] virtual Result<> send_ctrl_alt_del() = 0;
    [[nodiscard]] virtual Result<> update_drive(const DriveUpdate& update) = 0;
    [[nodiscard]] virtual Result<> update_network_interface(
        const NetworkInterfaceUpdate& update) = 0;
    virtual void collect_metrics(MetricsCollector& collector) const = 0;
    virtual void request_exit(VmExit exit) = 0;
    [[nodiscard]] virtual VmExit finish() = 0;
};

// Builds the VM for InstanceStart.
using VmFactory = std::function<Result<std::unique_ptr<VmHandle>>(const VmConfig& config,
                                                                  const BuildOptions& options)>;

// The real factory: Vmm::build.
VmFactory vmm_factory();

}  // namespace zapotec
