// The Vmm's ending: recording why the VM stopped, stopping the vCPUs, and the termination
// signals that end it from outside; run() for the CLI, which owns its loop.
#include "vmm/vmm.hpp"

#include <signal.h>
#include <sys/signalfd.h>

#include "base/log.hpp"

namespace zapotec {

Vmm::~Vmm() {
    stop_vcpus();
    // A loop handed in by the API outlives this VM: leave nothing of it behind there.
    if (signal_fd_.valid() && event_loop_)
        (void)event_loop_->remove(signal_fd_.get());
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
    // A control fd: a paused VM must still be stoppable.
    return event_loop_->add(
        fd, EPOLLIN,
        [this](uint32_t) {
            signalfd_siginfo info{};
            if (::read(signal_fd_.get(), &info, sizeof(info)) != sizeof(info))
                return;
            request_exit(
                {VmExitKind::Error, fmt::format("stopped by signal {} ({})", info.ssi_signo,
                                                strsignal(static_cast<int>(info.ssi_signo)))});
        },
        EventClass::kControl);
}

Result<VmExit> Vmm::run() {
    TRY(start());
    auto loop_result = event_loop_->run();
    VmExit exit = finish();
    if (!loop_result)
        return std::unexpected(loop_result.error());
    return exit;
}

}  // namespace zapotec
