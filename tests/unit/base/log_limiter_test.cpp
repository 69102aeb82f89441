// Tests of LogLimiter: the first warnings pass, one line then says the rest are suppressed,
// and reset() lets them through again.
#include "base/log_limiter.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "captured_log.hpp"

namespace zapotec {
namespace {

TEST(LogLimiterTest, PassesTheFirstWarningsThenSaysOnceThatTheRestAreSuppressed) {
    testing::CapturedLog log;
    LogLimiter limiter{3};
    for (int i = 0; i < 100; ++i)
        limiter.warn("warning {}", i);
    auto lines = log.lines();
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0], "warning 0\n");
    EXPECT_EQ(lines[2], "warning 2\n");
    EXPECT_NE(lines[3].find("warning 3"), std::string::npos);
    EXPECT_NE(lines[3].find("suppressed"), std::string::npos);
    EXPECT_EQ(limiter.seen(), 100u);
}

TEST(LogLimiterTest, ResetLetsWarningsThroughAgain) {
    testing::CapturedLog log;
    LogLimiter limiter{1};
    for (int i = 0; i < 5; ++i)
        limiter.warn("first {}", i);
    limiter.reset();
    EXPECT_EQ(limiter.seen(), 0u);
    limiter.warn("second");
    auto lines = log.lines();
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[2], "second\n");
}

TEST(LogLimiterTest, StaysBoundedWhenManyThreadsWarn) {
    testing::CapturedLog log;
    LogLimiter limiter{5};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&limiter] {
            for (int i = 0; i < 1000; ++i)
                limiter.warn("busy {}", i);
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(log.lines().size(), 6u);
    EXPECT_EQ(limiter.seen(), 4000u);
}

}  // namespace
}  // namespace zapotec
