// One host thread per vCPU: runs KVM_RUN in a loop, dispatches port and MMIO exits to the
// buses, and reports exits that end the VM. stop() kicks the thread out of the guest.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "bus/bus.hpp"
#include "kvm/vcpu.hpp"
#include "vmm/vm_exit.hpp"

namespace zapotec {

class VcpuThread {
  public:
    using ExitCallback = std::function<void(VmExit)>;

    VcpuThread(kvm::Vcpu vcpu, const Bus& pio_bus, const Bus& mmio_bus, ExitCallback on_exit);
    ~VcpuThread();
    VcpuThread(const VcpuThread&) = delete;
    VcpuThread& operator=(const VcpuThread&) = delete;

    void start();
    // Asks the vCPU to leave the guest and the thread to end; safe from any thread.
    void stop();
    void join();

    kvm::Vcpu& vcpu() { return vcpu_; }
    uint64_t exit_count() const { return exits_; }

  private:
    void run();
    // Handles one exit; false when the vCPU must stop.
    bool handle_exit(const kvm::VcpuExit& exit);
    std::string location() const;

    kvm::Vcpu vcpu_;
    const Bus& pio_bus_;
    const Bus& mmio_bus_;
    ExitCallback on_exit_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    // The running thread, 0 before it starts and after it ends: kicking a thread that has
    // been joined is undefined behaviour (its descriptor may be unmapped).
    std::mutex kick_mutex_;
    pthread_t native_handle_{};
    std::atomic<uint64_t> exits_{0};
};

}  // namespace zapotec
