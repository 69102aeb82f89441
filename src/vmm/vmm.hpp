// A built VM: KVM objects, guest memory, buses, devices, vCPU threads and the event loop.
// The builder (builder.cpp) assembles it in one explicit sequence; run() drives it until
// the guest powers off, reboots or crashes.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "arch/x86_64/kvm_uapi.hpp"
#include "bus/bus.hpp"
#include "devices/legacy/console_input.hpp"
#include "devices/legacy/serial.hpp"
#include "devices/pci/pci_root.hpp"
#include "devices/virtio/virtio_device.hpp"
#include "event/event_loop.hpp"
#include "kvm/gsi_router.hpp"
#include "kvm/kvm.hpp"
#include "kvm/vm.hpp"
#include "memory/guest_memory.hpp"
#include "vmm/vcpu_thread.hpp"
#include "vmm/vm_config.hpp"
#include "vmm/vm_exit.hpp"

namespace zapotec {

struct BuildOptions {
    bool interactive_console = true;  // Put a terminal stdin into raw mode.
    bool boot_timer = false;          // Log the time to the guest's first boot-marker write.
    std::chrono::steady_clock::time_point process_start = std::chrono::steady_clock::now();
};

class Vmm {
  public:
    [[nodiscard]] static Result<std::unique_ptr<Vmm>> build(const VmConfig& config,
                                                            const BuildOptions& options);
    ~Vmm();

    // Starts the vCPUs and serves device I/O on the calling thread until the VM stops.
    [[nodiscard]] Result<VmExit> run();
    // Ends the VM with `exit` (the first request wins); safe from any thread.
    void request_exit(VmExit exit);

  private:
    friend class VmBuilder;
    Vmm(kvm::Kvm kvm, kvm::Vm vm) : kvm_(std::move(kvm)), vm_(std::move(vm)) {}
    void stop_vcpus();
    [[nodiscard]] Result<> watch_termination_signals();

    kvm::Kvm kvm_;
    kvm::Vm vm_;
    std::unique_ptr<kvm::GsiRouter> gsi_router_;
    std::shared_ptr<GuestMemory> memory_;
    // Declared before the buses and devices so that it outlives them: devices (reached
    // through the buses, which own the last references) unregister from it when destroyed.
    std::unique_ptr<EventLoop> event_loop_;
    Bus pio_bus_;
    Bus mmio_bus_;
    std::shared_ptr<pci::PciRoot> pci_root_;
    std::vector<std::shared_ptr<BusDevice>> legacy_devices_;
    std::vector<std::shared_ptr<virtio::VirtioDevice>> virtio_devices_;
    std::vector<std::shared_ptr<pci::PciDevice>> pci_devices_;
    std::vector<std::unique_ptr<VcpuThread>> vcpus_;
    std::shared_ptr<legacy::Serial8250> serial_;
    std::unique_ptr<legacy::ConsoleInput> console_input_;

    UniqueFd signal_fd_;
    std::mutex exit_mutex_;
    std::optional<VmExit> exit_;
};

}  // namespace zapotec
