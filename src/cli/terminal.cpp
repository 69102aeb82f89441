// TerminalRawMode: saving, switching and restoring the console terminal's settings.
#include "cli/terminal.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

namespace zapotec {

namespace {

// The settings to restore and the fd to restore them on (-1 while raw mode is off). A signal
// handler reads them, so they are plain globals: the termios is written before the fd is
// published, and whoever swaps the fd back to -1 restores.
struct termios g_saved_termios {};
std::atomic<int> g_saved_fd{-1};
static_assert(std::atomic<int>::is_always_lock_free);

}  // namespace

Result<std::unique_ptr<TerminalRawMode>> TerminalRawMode::enter_if_terminal(int fd) {
    if (!::isatty(fd))
        return std::unique_ptr<TerminalRawMode>();
    // A background job that changes its controlling terminal's settings is stopped by
    // SIGTTOU; leave the terminal to the foreground job. (tcgetpgrp() fails on a terminal that
    // is not ours to control, and such a terminal sends us no SIGTTOU.)
    pid_t foreground = ::tcgetpgrp(fd);
    if (foreground >= 0 && foreground != ::getpgrp())
        return std::unique_ptr<TerminalRawMode>();
    // Serialises entering, so that nobody overwrites the saved settings of an active raw
    // mode; restore_now() only ever clears the fd and needs no lock.
    static std::mutex entering;
    std::lock_guard lock(entering);
    if (g_saved_fd.load() >= 0)
        return make_error("terminal raw mode is already on");

    int duplicate = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (duplicate < 0)
        return errno_error("dup terminal fd");
    UniqueFd terminal(duplicate);

    struct termios saved {};
    if (::tcgetattr(terminal.get(), &saved) < 0)
        return errno_error("tcgetattr");
    struct termios raw = saved;
    ::cfmakeraw(&raw);
    raw.c_oflag |= saved.c_oflag & (OPOST | ONLCR);

    g_saved_termios = saved;
    g_saved_fd.store(terminal.get());
    static std::once_flag atexit_registered;
    std::call_once(atexit_registered, [] { std::atexit(&TerminalRawMode::restore_now); });

    if (::tcsetattr(terminal.get(), TCSANOW, &raw) < 0) {
        auto error = errno_error("tcsetattr raw");
        g_saved_fd.store(-1);
        return error;
    }
    return std::unique_ptr<TerminalRawMode>(new TerminalRawMode(std::move(terminal)));
}

TerminalRawMode::~TerminalRawMode() {
    int expected = fd_.get();
    if (g_saved_fd.compare_exchange_strong(expected, -1))
        (void)::tcsetattr(fd_.get(), TCSANOW, &g_saved_termios);
}

void TerminalRawMode::restore_now() noexcept {
    int fd = g_saved_fd.exchange(-1);
    if (fd >= 0)
        (void)::tcsetattr(fd, TCSANOW, &g_saved_termios);
}

}  // namespace zapotec
