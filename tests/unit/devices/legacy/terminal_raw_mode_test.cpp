// TerminalRawMode on a pseudo-terminal: raw while it lives, restored by every exit path.
// (It tests src/cli/terminal.*; it sits here beside the console code that uses it.)
#include "cli/terminal.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace zapotec {
namespace {

struct Pty {
    Pty() {
        master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
        EXPECT_TRUE(master.valid());
        EXPECT_EQ(::grantpt(master.get()), 0);
        EXPECT_EQ(::unlockpt(master.get()), 0);
        slave.reset(::open(::ptsname(master.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
        EXPECT_TRUE(slave.valid());
    }
    termios attributes() const {
        termios t{};
        EXPECT_EQ(::tcgetattr(slave.get(), &t), 0);
        return t;
    }
    UniqueFd master;
    UniqueFd slave;
};

TEST(TerminalRawMode, NotATerminalIsNotAnError) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    auto raw = TerminalRawMode::enter_if_terminal(read_end.get());
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(*raw, nullptr);
}

TEST(TerminalRawMode, RawWhileAliveAndRestoredByTheDestructor) {
    Pty pty;
    termios before = pty.attributes();
    ASSERT_TRUE(before.c_lflag & ICANON);
    {
        auto raw = TerminalRawMode::enter_if_terminal(pty.slave.get());
        ASSERT_TRUE(raw.has_value()) << raw.error().message();
        ASSERT_NE(*raw, nullptr);
        termios during = pty.attributes();
        EXPECT_FALSE(during.c_lflag & (ICANON | ECHO | ISIG));
        EXPECT_EQ(during.c_oflag & OPOST, before.c_oflag & OPOST);  // Output still cooked.
        // Only one at a time.
        EXPECT_FALSE(TerminalRawMode::enter_if_terminal(pty.slave.get()).has_value());
    }
    termios after = pty.attributes();
    EXPECT_EQ(after.c_lflag, before.c_lflag);
    EXPECT_EQ(after.c_iflag, before.c_iflag);
    EXPECT_EQ(after.c_oflag, before.c_oflag);
}

TEST(TerminalRawMode, RestoreNowPutsTheTerminalBackOnce) {
    Pty pty;
    termios before = pty.attributes();
    auto raw = TerminalRawMode::enter_if_terminal(pty.slave.get());
    ASSERT_TRUE(raw.has_value() && *raw != nullptr);
    TerminalRawMode::restore_now();  // What a signal handler or atexit does.
    EXPECT_EQ(pty.attributes().c_lflag, before.c_lflag);
    TerminalRawMode::restore_now();  // Harmless when already restored.
    raw->reset();
    EXPECT_EQ(pty.attributes().c_lflag, before.c_lflag);
}

}  // namespace
}  // namespace zapotec
