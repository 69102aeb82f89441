// Tests of RateLimiter: all-or-nothing consumption of both buckets, the timerfd armed on
// refusal (with a fake clock, and with the real clock and poll), blocked()/on_timer(),
// throttled_count(), update() and the errors of create().
#include "rate_limiter/rate_limiter.hpp"

#include <poll.h>
#include <sys/timerfd.h>

#include <gtest/gtest.h>

#include <limits>

namespace zapotec {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

// A clock the test moves by hand.
struct FakeClock {
    Clock::time_point now = Clock::time_point{} + 1000h;
    RateLimiter::ClockSource source() {
        return [this] { return now; };
    }
};

TokenBucketConfig bucket(uint64_t size, uint64_t refill_ms) {
    return {.size = size, .refill_time_ms = refill_ms};
}

std::unique_ptr<RateLimiter> make(const RateLimiterConfig& config, FakeClock* clock = nullptr) {
    auto limiter =
        RateLimiter::create(config, clock ? clock->source() : RateLimiter::ClockSource{});
    EXPECT_TRUE(limiter.has_value()) << limiter.error().message();
    return std::move(*limiter);
}

// Time left on the limiter's timer (zero when it is disarmed).
Clock::duration armed_for(const RateLimiter& limiter) {
    itimerspec spec{};
    EXPECT_EQ(::timerfd_gettime(limiter.timer_fd(), &spec), 0);
    return std::chrono::seconds(spec.it_value.tv_sec) +
           std::chrono::nanoseconds(spec.it_value.tv_nsec);
}

bool readable(int fd, int timeout_ms) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

TEST(RateLimiterTest, WithoutBucketsNeverBlocks) {
    for (const RateLimiterConfig& config :
         {RateLimiterConfig{}, RateLimiterConfig{.bandwidth = bucket(0, 0), .ops = bucket(0, 0)}}) {
        auto limiter = make(config);
        EXPECT_FALSE(limiter->limits_anything());
        for (int i = 0; i < 1000; ++i)
            ASSERT_TRUE(limiter->consume(std::numeric_limits<uint64_t>::max(), 1000));
        EXPECT_FALSE(limiter->blocked());
        EXPECT_EQ(limiter->throttled_count(), 0u);
        EXPECT_EQ(armed_for(*limiter), Clock::duration::zero());
        EXPECT_GE(limiter->timer_fd(), 0);
    }
}

TEST(RateLimiterTest, RefusedBandwidthDoesNotEatOps) {
    FakeClock clock;
    auto limiter = make({.bandwidth = bucket(100, 1000), .ops = bucket(10, 1000)}, &clock);
    EXPECT_TRUE(limiter->limits_anything());
    ASSERT_TRUE(limiter->consume(60, 1));  // Bandwidth 40 left, ops 9.
    EXPECT_FALSE(limiter->consume(50, 1));
    EXPECT_TRUE(limiter->blocked());
    limiter->on_timer();
    EXPECT_FALSE(limiter->blocked());
    // Nothing of the refused request was taken: 40 bytes and 9 ops are all still there.
    EXPECT_TRUE(limiter->consume(40, 9));
    EXPECT_FALSE(limiter->consume(0, 1));
    limiter->on_timer();
    EXPECT_FALSE(limiter->consume(1, 0));
}

TEST(RateLimiterTest, RefusedOpsDoNotEatBandwidth) {
    FakeClock clock;
    auto limiter = make({.bandwidth = bucket(100, 1000), .ops = bucket(10, 1000)}, &clock);
    ASSERT_TRUE(limiter->consume(0, 10));
    EXPECT_FALSE(limiter->consume(10, 1));
    limiter->on_timer();
    EXPECT_TRUE(limiter->consume(100, 0));
}

TEST(RateLimiterTest, RefusalArmsTheTimerForWhenBothBucketsCanAdmit) {
    FakeClock clock;
    auto limiter = make({.bandwidth = bucket(1000, 1000), .ops = bucket(10, 1000)}, &clock);
    ASSERT_TRUE(limiter->consume(1000, 10));
    EXPECT_EQ(armed_for(*limiter), Clock::duration::zero());
    // Bandwidth needs 500 ms, ops (8 of 10 per second) 800 ms: the timer waits for both.
    EXPECT_FALSE(limiter->consume(500, 8));
    EXPECT_TRUE(limiter->blocked());
    EXPECT_EQ(limiter->throttled_count(), 1u);
    auto left = armed_for(*limiter);
    EXPECT_GT(left, 700ms);
    EXPECT_LE(left, 800ms);
    // The same request is admitted once that time has passed and the timer was handled.
    clock.now += 800ms;
    limiter->on_timer();
    EXPECT_TRUE(limiter->consume(500, 8));
}

TEST(RateLimiterTest, TimerWaitsAtLeastAMillisecond) {
    FakeClock clock;
    // A token every nanosecond: the shortage is 1 ns, the timer still waits 1 ms.
    auto limiter = make({.bandwidth = bucket(1'000'000'000, 1000)}, &clock);
    ASSERT_TRUE(limiter->consume(1'000'000'000, 0));
    EXPECT_FALSE(limiter->consume(1, 0));
    auto left = armed_for(*limiter);
    EXPECT_GT(left, 500us);
    EXPECT_LE(left, 1ms);
}

TEST(RateLimiterTest, RefusedWhileBlockedAndEveryRefusalCounts) {
    FakeClock clock;
    auto limiter = make({.ops = bucket(1, 1000)}, &clock);
    ASSERT_TRUE(limiter->consume(0, 1));
    EXPECT_FALSE(limiter->consume(0, 1));
    EXPECT_EQ(limiter->throttled_count(), 1u);
    // Blocked until on_timer(), even once the bucket has refilled.
    clock.now += 2s;
    EXPECT_FALSE(limiter->consume(0, 1));
    EXPECT_TRUE(limiter->blocked());
    EXPECT_EQ(limiter->throttled_count(), 2u);
    limiter->on_timer();
    EXPECT_FALSE(limiter->blocked());
    EXPECT_TRUE(limiter->consume(0, 1));
    EXPECT_FALSE(limiter->consume(0, 1));
    EXPECT_EQ(limiter->throttled_count(), 3u);
}

TEST(RateLimiterTest, TimerFdBecomesReadableWithTheRealClock) {
    // One operation per 50 ms, on the real clock.
    auto limiter = make({.ops = bucket(1, 50)});
    ASSERT_TRUE(limiter->consume(0, 1));
    const auto refused_at = Clock::now();
    ASSERT_FALSE(limiter->consume(0, 1));
    EXPECT_TRUE(limiter->blocked());
    EXPECT_FALSE(readable(limiter->timer_fd(), 0));
    ASSERT_TRUE(readable(limiter->timer_fd(), 5000));
    EXPECT_GE(Clock::now() - refused_at, 40ms);
    limiter->on_timer();
    EXPECT_FALSE(limiter->blocked());
    EXPECT_FALSE(readable(limiter->timer_fd(), 0));  // on_timer() read the expiration.
    EXPECT_TRUE(limiter->consume(0, 1));
    EXPECT_EQ(limiter->throttled_count(), 1u);
}

TEST(RateLimiterTest, TimerFdWithAOneMillisecondBucket) {
    auto limiter = make({.bandwidth = bucket(4096, 1), .ops = bucket(1, 1)});
    for (int round = 0; round < 20; ++round) {
        while (limiter->consume(1024, 0)) {
        }
        ASSERT_TRUE(limiter->blocked());
        ASSERT_TRUE(readable(limiter->timer_fd(), 5000)) << "round " << round;
        limiter->on_timer();
        ASSERT_TRUE(limiter->consume(1024, 0)) << "round " << round;
    }
}

TEST(RateLimiterTest, GiveBackReturnsTokens) {
    FakeClock clock;
    auto limiter = make({.bandwidth = bucket(100, 1000), .ops = bucket(1, 1000)}, &clock);
    ASSERT_TRUE(limiter->consume(100, 1));
    limiter->give_back(100, 1);
    EXPECT_TRUE(limiter->consume(100, 1));
    limiter->give_back(1000, 1000);  // Capped at the sizes.
    EXPECT_TRUE(limiter->consume(100, 1));
    EXPECT_FALSE(limiter->consume(1, 0));
}

TEST(RateLimiterTest, UpdateReplacesOnlyTheBucketsPresent) {
    FakeClock clock;
    auto limiter = make({.bandwidth = bucket(100, 1000), .ops = bucket(10, 1000)}, &clock);
    ASSERT_TRUE(limiter->update({.ops = bucket(20, 500)}));
    RateLimiterConfig config = limiter->config();
    ASSERT_TRUE(config.bandwidth);
    EXPECT_EQ(config.bandwidth->size, 100u);
    EXPECT_EQ(config.bandwidth->refill_time_ms, 1000u);
    ASSERT_TRUE(config.ops);
    EXPECT_EQ(config.ops->size, 20u);
    EXPECT_EQ(config.ops->refill_time_ms, 500u);
    EXPECT_TRUE(limiter->consume(100, 20));
    EXPECT_FALSE(limiter->consume(1, 0));
    limiter->on_timer();

    // Adding a bucket to a limiter without one, and lifting a limit with size 0.
    auto open = make({}, &clock);
    EXPECT_FALSE(open->limits_anything());
    ASSERT_TRUE(open->update({.bandwidth = bucket(10, 1000)}));
    EXPECT_TRUE(open->limits_anything());
    EXPECT_FALSE(open->config().ops);
    EXPECT_TRUE(open->consume(10, 1));
    EXPECT_FALSE(open->consume(1, 1));
    open->on_timer();
    ASSERT_TRUE(open->update({.bandwidth = bucket(0, 0)}));
    EXPECT_FALSE(open->limits_anything());
    EXPECT_TRUE(open->consume(1'000'000, 1));
}

TEST(RateLimiterTest, FailedUpdateChangesNothing) {
    FakeClock clock;
    auto limiter = make({.bandwidth = bucket(100, 1000), .ops = bucket(10, 1000)}, &clock);
    auto updated = limiter->update({.bandwidth = bucket(5, 5), .ops = bucket(7, 0)});
    ASSERT_FALSE(updated);
    EXPECT_EQ(updated.error().message().rfind("ops.refill_time: ", 0), 0u)
        << updated.error().message();
    EXPECT_EQ(limiter->config().bandwidth->size, 100u);
    EXPECT_EQ(limiter->config().ops->size, 10u);
}

TEST(RateLimiterTest, CreateErrorsNameTheBucketAndField) {
    auto bandwidth = RateLimiter::create({.bandwidth = bucket(10, 0)});
    ASSERT_FALSE(bandwidth);
    EXPECT_EQ(bandwidth.error().message(),
              "bandwidth.refill_time: must not be 0 when size is not 0");
    auto ops = RateLimiter::create({.ops = bucket(1, TokenBucket::kMaxRefillTimeMs + 1)});
    ASSERT_FALSE(ops);
    EXPECT_EQ(ops.error().message().rfind("ops.refill_time: ", 0), 0u) << ops.error().message();
}

}  // namespace
}  // namespace zapotec
