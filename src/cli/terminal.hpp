// Raw mode for the terminal the guest console runs on, restored however the VMM exits.
#pragma once

#include <memory>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace zapotec {

// While one exists, keystrokes go to the guest one by one and unechoed (Ctrl+C included);
// output processing stays on so that the VMM's own log lines still start at column 0.
// The saved settings are put back by the destructor, by an atexit handler (the VMM may leave
// through exit()), or by restore_now() from a signal handler. One may exist at a time.
class TerminalRawMode {
  public:
    // Puts `fd` into raw mode when it is a terminal this process's job controls (is in the
    // foreground of); returns null, changing nothing, when it is not.
    [[nodiscard]] static Result<std::unique_ptr<TerminalRawMode>> enter_if_terminal(int fd);
    ~TerminalRawMode();

    TerminalRawMode(const TerminalRawMode&) = delete;
    TerminalRawMode& operator=(const TerminalRawMode&) = delete;

    // Restores the saved settings if raw mode is on; does nothing otherwise. Only
    // async-signal-safe calls, so a fatal-signal handler may call it before _exit().
    static void restore_now() noexcept;

  private:
    explicit TerminalRawMode(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;  // A duplicate of the terminal, so the saved fd stays valid until we restore.
};

}  // namespace zapotec
