// Termination signals through a signalfd on the event loop.
#include "cli/termination_signals.hpp"

#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace zapotec {

Result<std::unique_ptr<TerminationSignals>> TerminationSignals::watch(
    EventLoop& loop, std::function<void(int signo, const char* name)> on_signal) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    if (int error = pthread_sigmask(SIG_BLOCK, &signals, nullptr); error != 0)
        return std::unexpected(Error::from_code(error, "pthread_sigmask"));
    int fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0)
        return errno_error("signalfd");
    std::unique_ptr<TerminationSignals> watcher(new TerminationSignals(loop, UniqueFd(fd)));
    int raw_fd = watcher->fd_.get();
    TRY(loop.add(
        raw_fd, EPOLLIN,
        [raw_fd, on_signal = std::move(on_signal)](uint32_t) {
            signalfd_siginfo info{};
            // Another signalfd (the VM's own) may have taken the signal first.
            if (::read(raw_fd, &info, sizeof(info)) != sizeof(info))
                return;
            int signo = static_cast<int>(info.ssi_signo);
            on_signal(signo, strsignal(signo));
        },
        EventClass::kControl));
    return watcher;
}

TerminationSignals::~TerminationSignals() {
    (void)loop_.remove(fd_.get());
}

}  // namespace zapotec
