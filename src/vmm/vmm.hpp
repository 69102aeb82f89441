// A built VM: KVM objects, guest memory, buses, devices, vCPU threads and the event loop.
// The builder (builder.cpp) assembles it in one explicit sequence; run() drives it until
// the guest powers off, reboots or crashes.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "arch/x86_64/kvm_uapi.hpp"
#include "bus/bus.hpp"
#include "devices/legacy/console_input.hpp"
#include "devices/legacy/i8042.hpp"
#include "devices/legacy/serial.hpp"
#include "devices/pci/pci_root.hpp"
#include "devices/virtio/virtio_device.hpp"
#include "event/event_loop.hpp"
#include "kvm/gsi_router.hpp"
#include "kvm/kvm.hpp"
#include "kvm/vm.hpp"
#include "memory/guest_memory.hpp"
#include "metrics/metrics_collector.hpp"
#include "vmm/vcpu_thread.hpp"
#include "vmm/vm_config.hpp"
#include "vmm/vm_exit.hpp"

namespace zapotec {

struct BuildOptions {
    bool interactive_console = true;  // Put a terminal stdin into raw mode.
    bool boot_timer = false;          // Log the time to the guest's first boot-marker write.
    std::chrono::steady_clock::time_point process_start = std::chrono::steady_clock::now();
    // The loop the VMM serves devices on. Null: the VMM creates its own. The API mode hands
    // in the loop it already runs, so that API requests and device I/O share one thread.
    std::shared_ptr<EventLoop> event_loop;
    // Where the guest's console output goes (PUT /serial); stdout when absent.
    std::optional<std::string> serial_out_path;
};

// Runtime changes the API asks of a running VM's devices.
struct DriveUpdate {
    std::string drive_id;
    std::optional<std::string> path_on_host;
    std::optional<RateLimiterConfig> rate_limiter;
};
struct NetworkInterfaceUpdate {
    std::string iface_id;
    std::optional<RateLimiterConfig> rx_rate_limiter;
    std::optional<RateLimiterConfig> tx_rate_limiter;
};

class Vmm {
  public:
    [[nodiscard]] static Result<std::unique_ptr<Vmm>> build(const VmConfig& config,
                                                            const BuildOptions& options);
    ~Vmm();

    // Starts the vCPUs and serves device I/O on the calling thread until the VM stops.
    [[nodiscard]] Result<VmExit> run();
    // Starts the vCPUs and returns; the caller runs the event loop (API mode). When the VM
    // stops, request_exit() stops that loop and exit_reason() tells why.
    [[nodiscard]] Result<> start();
    // After the loop stopped: stops the vCPUs, flushes the console, returns why it ended.
    [[nodiscard]] VmExit finish();

    // Stops every vCPU at a consistent point (out of KVM_RUN, registers readable), stops
    // dispatching device events and drains in-flight device I/O, and stops the guest clock.
    // Called on the event loop thread.
    [[nodiscard]] Result<> pause();
    // Undoes pause(): the guest continues where it was, its clock without the paused time.
    [[nodiscard]] Result<> resume();
    // Presses Ctrl+Alt+Del on the i8042 keyboard.
    [[nodiscard]] Result<> send_ctrl_alt_del();
    // PATCH /drives and PATCH /network-interfaces on the running VM.
    [[nodiscard]] Result<> update_drive(const DriveUpdate& update);
    [[nodiscard]] Result<> update_network_interface(const NetworkInterfaceUpdate& update);
    // Every counter of the VM: per vCPU (exits by reason, run time) and per device.
    void collect_metrics(MetricsCollector& collector) const;
    // Ends the VM with `exit` (the first request wins); safe from any thread.
    void request_exit(VmExit exit);

  private:
    friend class VmBuilder;
    friend struct VmmTestPeer;  // tests/unit/vmm: reaches the vCPU threads of a paused VM.
    Vmm(kvm::Kvm kvm, kvm::Vm vm) : kvm_(std::move(kvm)), vm_(std::move(vm)) {}
    void stop_vcpus();
    void resume_vcpus();
    [[nodiscard]] Result<> park_vcpus();
    [[nodiscard]] Result<> watch_termination_signals();

    kvm::Kvm kvm_;
    kvm::Vm vm_;
    std::unique_ptr<kvm::GsiRouter> gsi_router_;
    std::shared_ptr<GuestMemory> memory_;
    // Declared before the buses and devices so that it outlives them: devices (reached
    // through the buses, which own the last references) unregister from it when destroyed.
    // Shared: in API mode it is the API's loop (BuildOptions::event_loop).
    std::shared_ptr<EventLoop> event_loop_;
    Bus pio_bus_;
    Bus mmio_bus_;
    std::shared_ptr<pci::PciRoot> pci_root_;
    std::vector<std::shared_ptr<BusDevice>> legacy_devices_;
    std::vector<std::shared_ptr<virtio::VirtioDevice>> virtio_devices_;
    std::vector<std::shared_ptr<pci::PciDevice>> pci_devices_;
    std::vector<std::unique_ptr<VcpuThread>> vcpus_;
    std::shared_ptr<legacy::Serial8250> serial_;
    std::shared_ptr<legacy::I8042> i8042_;
    std::unique_ptr<legacy::ConsoleInput> console_input_;

    UniqueFd signal_fd_;
    std::mutex exit_mutex_;
    std::optional<VmExit> exit_;

    // Lifecycle state, changed only on the event loop thread.
    bool started_ = false;
    bool paused_ = false;
    // The guest's kvmclock when it was paused; absent without KVM_CAP_ADJUST_CLOCK.
    std::optional<uint64_t> paused_clock_;
    // For collect_metrics(), which may run on another thread.
    std::atomic<uint64_t> pauses_{0};
    std::atomic<uint64_t> resumes_{0};
    std::atomic<uint64_t> last_pause_latency_us_{0};
};

}  // namespace zapotec
