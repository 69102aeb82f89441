#include "vmm/vmm.hpp"

#include "base/log.hpp"

namespace zapotec {

Vmm::~Vmm() {
    stop_vcpus();
}

void Vmm::request_exit(VmExit exit) {
    {
        std::lock_guard lock(exit_mutex_);
        if (exit_)
            return;
        exit_ = std::move(exit);
    }
    if (event_loop_)
        event_loop_->stop();
}

void Vmm::stop_vcpus() {
    for (auto& vcpu : vcpus_)
        vcpu->stop();
    for (auto& vcpu : vcpus_)
        vcpu->join();
}

Result<VmExit> Vmm::run() {
    for (auto& vcpu : vcpus_)
        vcpu->start();
    auto loop_result = event_loop_->run();
    stop_vcpus();
    if (!loop_result)
        return std::unexpected(loop_result.error());
    std::lock_guard lock(exit_mutex_);
    return exit_.value_or(VmExit{VmExitKind::Error, "the VM stopped for no recorded reason"});
}

}  // namespace zapotec
