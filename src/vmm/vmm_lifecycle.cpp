// Starting, pausing, resuming and finishing a built VM, and Ctrl+Alt+Del. All of it runs on
// the event loop thread.
#include <chrono>

#include "base/log.hpp"
#include "vmm/vmm.hpp"

namespace zapotec {

namespace {
// How long a vCPU may take to leave the guest when asked to pause. A kicked vCPU leaves
// KVM_RUN within microseconds; only a VMM thread stuck in a device model takes longer.
constexpr std::chrono::seconds kParkTimeout{1};
}  // namespace

Result<> Vmm::start() {
    if (started_)
        return make_error("the VM has already been started");
    TRY(watch_termination_signals());
    for (auto& vcpu : vcpus_)
        vcpu->start();
    started_ = true;
    return {};
}

VmExit Vmm::finish() {
    stop_vcpus();
    if (paused_) {
        // A loop shared with the API goes on serving it; it must not stay paused.
        event_loop_->resume_devices();
        paused_ = false;
    }
    if (serial_)
        serial_->flush_output();
    std::lock_guard lock(exit_mutex_);
    return exit_.value_or(VmExit{VmExitKind::Error, "the VM stopped for no recorded reason"});
}

void Vmm::resume_vcpus() {
    for (auto& vcpu : vcpus_)
        vcpu->resume();
}

Result<> Vmm::park_vcpus() {
    // Ask them all first, then wait: they leave the guest in parallel.
    for (auto& vcpu : vcpus_)
        vcpu->request_pause();
    auto deadline = std::chrono::steady_clock::now() + kParkTimeout;
    for (auto& vcpu : vcpus_) {
        if (!vcpu->wait_parked(deadline)) {
            resume_vcpus();
            return make_error("vCPU {} did not stop within {} s; the VM keeps running", vcpu->id(),
                              kParkTimeout.count());
        }
    }
    return {};
}

Result<> Vmm::pause() {
    if (!started_)
        return make_error("the VM has not been started");
    if (paused_)
        return {};
    auto begin = std::chrono::steady_clock::now();
    TRY(park_vcpus());
    // The guest's clock stops with its vCPUs: read it now, set it back on resume.
    paused_clock_.reset();
    if (kvm_.check_extension(KVM_CAP_ADJUST_CLOCK) > 0) {
        if (auto clock = vm_.get_clock())
            paused_clock_ = *clock;
        else
            spdlog::warn("pause: {}; the guest will see the pause as time passing",
                         clock.error().message());
    }
    for (auto& vcpu : vcpus_) {
        if (auto told = vcpu->notify_guest_paused(); !told)
            spdlog::warn("pause: {}", told.error().message());
    }
    // No device event is dispatched until resume, then what is in flight completes.
    event_loop_->pause_devices();
    for (auto& device : virtio_devices_)
        device->drain();
    paused_ = true;
    auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - begin);
    last_pause_latency_us_ = static_cast<uint64_t>(latency.count());
    ++pauses_;
    spdlog::info("VM paused ({} vCPUs stopped and devices drained in {} us)", vcpus_.size(),
                 latency.count());
    return {};
}

Result<> Vmm::resume() {
    if (!paused_)
        return {};
    if (paused_clock_) {
        if (auto set = vm_.set_clock(*paused_clock_); !set)
            spdlog::warn("resume: {}; the guest will see the pause as time passing",
                         set.error().message());
        paused_clock_.reset();
    }
    event_loop_->resume_devices();
    resume_vcpus();
    paused_ = false;
    ++resumes_;
    spdlog::info("VM resumed");
    return {};
}

Result<> Vmm::send_ctrl_alt_del() {
    if (!started_)
        return make_error("the VM has not been started");
    if (!i8042_)
        return make_error("this VM has no i8042 keyboard controller");
    if (!i8042_->trigger_ctrl_alt_del()) {
        return make_error(
            "the guest has not read the keyboard's earlier bytes; Ctrl+Alt+Del was not sent");
    }
    return {};
}

}  // namespace zapotec
