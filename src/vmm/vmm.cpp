#include "vmm/vmm.hpp"

#include <signal.h>
#include <sys/signalfd.h>

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

Result<> Vmm::watch_termination_signals() {
    // SIGINT, SIGTERM and SIGHUP end the VM through the event loop, so the terminal is
    // restored and the console flushed on the way out. Blocking them here (before the vCPU
    // threads start) means every thread inherits the mask and only the signalfd sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0)
        return errno_error("sigprocmask");
    int fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0)
        return errno_error("signalfd");
    signal_fd_.reset(fd);
    return event_loop_->add(fd, EPOLLIN, [this](uint32_t) {
        signalfd_siginfo info{};
        if (::read(signal_fd_.get(), &info, sizeof(info)) != sizeof(info))
            return;
        request_exit({VmExitKind::Error, fmt::format("stopped by signal {} ({})", info.ssi_signo,
                                                     strsignal(static_cast<int>(info.ssi_signo)))});
    });
}

Result<VmExit> Vmm::run() {
    TRY(watch_termination_signals());
    for (auto& vcpu : vcpus_)
        vcpu->start();
    auto loop_result = event_loop_->run();
    stop_vcpus();
    if (serial_)
        serial_->flush_output();
    if (!loop_result)
        return std::unexpected(loop_result.error());
    std::lock_guard lock(exit_mutex_);
    return exit_.value_or(VmExit{VmExitKind::Error, "the VM stopped for no recorded reason"});
}

}  // namespace zapotec
