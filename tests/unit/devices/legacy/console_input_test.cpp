// ConsoleInput: host input reaches the UART through the event loop and stops at EOF.
#include "devices/legacy/console_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "port_io.hpp"

namespace zapotec::legacy {
namespace {

using testing::inb;

std::string read_all(Serial8250& uart) {
    std::string text;
    while (inb(uart, uart::kLineStatus) & uart::lsr::kDataReady)
        text.push_back(static_cast<char>(inb(uart, uart::kData)));
    return text;
}

class ConsoleInputTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto created = EventLoop::create();
        ASSERT_TRUE(created.has_value());
        loop = std::move(*created);
    }
    std::unique_ptr<EventLoop> loop;
    std::shared_ptr<Serial8250> uart = std::make_shared<Serial8250>(nullptr, UniqueFd());
};

TEST_F(ConsoleInputTest, PipeInputIsForwardedUntilEof) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    auto input = ConsoleInput::start(*loop, read_end.get(), uart);
    ASSERT_TRUE(input.has_value()) << input.error().message();
    read_end.reset();  // ConsoleInput keeps its own duplicate.

    ASSERT_EQ(::write(write_end.get(), "root\n", 5), 5);
    ASSERT_TRUE(loop->run_once(1000).has_value());
    EXPECT_EQ(read_all(*uart), "root\n");
    EXPECT_TRUE((*input)->active());

    write_end.reset();
    ASSERT_TRUE(loop->run_once(1000).has_value());
    EXPECT_FALSE((*input)->active());
    // Nothing is watched any more: the loop now times out instead of spinning on EOF.
    ASSERT_TRUE(loop->run_once(0).has_value());
}

TEST_F(ConsoleInputTest, DevNullEndsAtOnce) {
    UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(null.valid());
    auto input = ConsoleInput::start(*loop, null.get(), uart);
    ASSERT_TRUE(input.has_value()) << input.error().message();
    EXPECT_FALSE((*input)->active());
    EXPECT_EQ(read_all(*uart), "");
}

TEST_F(ConsoleInputTest, ARegularFileIsReadUpToWhatTheUartHolds) {
    std::FILE* file = std::tmpfile();
    ASSERT_NE(file, nullptr);
    std::string big(Serial8250::kInputCapacity + 1000, 'f');
    ASSERT_EQ(std::fwrite(big.data(), 1, big.size(), file), big.size());
    std::fflush(file);
    std::rewind(file);
    auto input = ConsoleInput::start(*loop, ::fileno(file), uart);
    std::fclose(file);
    ASSERT_TRUE(input.has_value()) << input.error().message();
    EXPECT_FALSE((*input)->active());
    EXPECT_EQ(read_all(*uart).size(), Serial8250::kInputCapacity);
    EXPECT_GT(uart->stats().input_dropped, 0u);
}

TEST_F(ConsoleInputTest, DestroyingItStopsWatching) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    {
        auto input = ConsoleInput::start(*loop, read_end.get(), uart);
        ASSERT_TRUE(input.has_value());
    }
    ASSERT_EQ(::write(write_end.get(), "x", 1), 1);
    ASSERT_TRUE(loop->run_once(0).has_value());
    EXPECT_EQ(read_all(*uart), "");
}

}  // namespace
}  // namespace zapotec::legacy
