// One host thread per vCPU: runs KVM_RUN in a loop, dispatches port and MMIO exits to the
// buses, and reports exits that end the VM. stop() kicks the thread out of the guest;
// request_pause() kicks it out and parks it, with its state consistent, until resume().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <mutex>
#include <thread>

#include "bus/bus.hpp"
#include "kvm/vcpu.hpp"
#include "metrics/metric_sink.hpp"
#include "vmm/vcpu_counters.hpp"
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
    // Asks the vCPU to leave the guest and the thread to end, also when parked; safe from
    // any thread.
    void stop();
    void join();

    // Asks the thread to leave KVM_RUN and park; returns at once. Before parking, the thread
    // completes the I/O access it exited for (re-entering KVM_RUN with immediate_exit), so
    // the registers it leaves behind are those after the access.
    void request_pause();
    // Waits until the thread has parked (or ended, or never started); false on timeout.
    [[nodiscard]] bool wait_parked(std::chrono::steady_clock::time_point deadline);
    // Lets a parked thread (or one asked to pause) run the guest again.
    void resume();
    bool parked() const;

    // The registers of a parked vCPU, read on the calling thread (the vCPU thread is not in
    // KVM_RUN and cannot leave its parking until this returns).
    [[nodiscard]] Result<kvm_regs> paused_regs() const;
    // KVM_KVMCLOCK_CTRL on a parked vCPU; a guest without kvmclock is not an error.
    [[nodiscard]] Result<> notify_guest_paused() const;

    // Exits by reason, time in KVM_RUN, CPU time of the thread, pauses.
    void collect_metrics(MetricSink& sink) const;

    kvm::Vcpu& vcpu() { return vcpu_; }
    uint32_t id() const { return vcpu_.id(); }
    uint64_t exit_count() const { return counters_.exits(); }

  private:
    enum class State { kNotStarted, kRunning, kParked, kEnded };

    void run();
    // Completes a pending I/O access so that the vCPU state is consistent; false when the
    // vCPU must stop.
    bool settle_for_pause();
    void park();
    void kick();
    void set_state(State state);
    // Handles one exit; false when the vCPU must stop.
    bool handle_exit(const kvm::VcpuExit& exit);
    std::string location() const;
    uint64_t cpu_time_ns() const;

    kvm::Vcpu vcpu_;
    const Bus& pio_bus_;
    const Bus& mmio_bus_;
    ExitCallback on_exit_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> pause_requested_{false};
    mutable std::mutex state_mutex_;
    std::condition_variable state_changed_;
    State state_ = State::kNotStarted;
    // The running thread, 0 before it starts and after it ends: kicking a thread that has
    // been joined is undefined behaviour (its descriptor may be unmapped). Its CPU clock is
    // readable only while it runs; final_cpu_ns_ keeps the total after it ends.
    mutable std::mutex kick_mutex_;
    pthread_t native_handle_{};
    clockid_t cpu_clock_{};
    uint64_t final_cpu_ns_ = 0;
    VcpuCounters counters_;
};

}  // namespace zapotec
