// Tests of TokenBucket: exact continuous refill, one-time burst, over-size requests,
// give_back, time_until, unlimited (size 0) buckets, odd clocks and huge values.
#include "rate_limiter/token_bucket.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace zapotec {
namespace {

using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

const Clock::time_point kT0 = Clock::time_point{} + 1000h;

TokenBucket make(uint64_t size, uint64_t refill_ms, std::optional<uint64_t> burst = {},
                 Clock::time_point now = kT0) {
    auto bucket = TokenBucket::create(
        {.size = size, .one_time_burst = burst, .refill_time_ms = refill_ms}, now);
    EXPECT_TRUE(bucket.has_value()) << bucket.error().message();
    return std::move(*bucket);
}

TEST(TokenBucketTest, StartsFull) {
    TokenBucket bucket = make(1000, 1000, 50);
    EXPECT_EQ(bucket.budget(), 1000u);
    EXPECT_EQ(bucket.one_time_burst(), 50u);
    EXPECT_EQ(bucket.config().size, 1000u);
    EXPECT_EQ(bucket.time_until(1050, kT0), Clock::duration::zero());
}

TEST(TokenBucketTest, HalfAPeriodRefillsHalfTheTokens) {
    TokenBucket bucket = make(1000, 1000);
    ASSERT_TRUE(bucket.try_consume(1000, kT0));
    EXPECT_EQ(bucket.budget(), 0u);
    EXPECT_FALSE(bucket.try_consume(1, kT0));
    EXPECT_FALSE(bucket.try_consume(501, kT0 + 500ms));
    EXPECT_TRUE(bucket.try_consume(500, kT0 + 500ms));
    EXPECT_EQ(bucket.budget(), 0u);
    EXPECT_FALSE(bucket.try_consume(1, kT0 + 500ms));
}

TEST(TokenBucketTest, RefillIsExactInSmallSteps) {
    // 3 tokens a second: one every 333.33 ms. A thousand 1 ms steps give exactly 3.
    TokenBucket bucket = make(3, 1000);
    ASSERT_TRUE(bucket.try_consume(3, kT0));
    uint64_t got = 0;
    for (int ms = 1; ms <= 1000; ++ms)
        if (bucket.try_consume(1, kT0 + std::chrono::milliseconds(ms)))
            ++got;
    EXPECT_EQ(got, 3u);
    EXPECT_FALSE(bucket.try_consume(1, kT0 + 1000ms));
}

TEST(TokenBucketTest, LongIdleFillsTheBucketButNeverAboveSize) {
    TokenBucket bucket = make(100, 10);
    ASSERT_TRUE(bucket.try_consume(100, kT0));
    const auto later = kT0 + 24h;
    EXPECT_EQ(bucket.time_until(100, later), Clock::duration::zero());
    ASSERT_TRUE(bucket.try_consume(0, later));
    EXPECT_EQ(bucket.budget(), 100u);
    TokenBucket again = make(100, 10);
    ASSERT_TRUE(again.try_consume(100, kT0));
    EXPECT_TRUE(again.try_consume(100, later));
    EXPECT_EQ(again.budget(), 0u);
    EXPECT_FALSE(again.try_consume(1, later));
    // A full bucket earns nothing while it stays full: 5 ms after emptying it, half is back.
    TokenBucket full = make(100, 10);
    ASSERT_TRUE(full.try_consume(100, kT0 + 1h));
    EXPECT_FALSE(full.try_consume(51, kT0 + 1h + 5ms));
    EXPECT_TRUE(full.try_consume(50, kT0 + 1h + 5ms));
}

TEST(TokenBucketTest, BurstIsSpentFirstThenTheBudgetAndNeverRefills) {
    TokenBucket bucket = make(100, 1000, 50);
    ASSERT_TRUE(bucket.try_consume(30, kT0));
    EXPECT_EQ(bucket.one_time_burst(), 20u);
    EXPECT_EQ(bucket.budget(), 100u);
    ASSERT_TRUE(bucket.try_consume(40, kT0));
    EXPECT_EQ(bucket.one_time_burst(), 0u);
    EXPECT_EQ(bucket.budget(), 80u);
    ASSERT_TRUE(bucket.try_consume(80, kT0));
    EXPECT_FALSE(bucket.try_consume(1, kT0));
    // A long time later the budget is full again but the burst is gone.
    EXPECT_TRUE(bucket.try_consume(100, kT0 + 1h));
    EXPECT_EQ(bucket.one_time_burst(), 0u);
    EXPECT_FALSE(bucket.try_consume(1, kT0 + 1h));
}

TEST(TokenBucketTest, RefusedRequestTakesNothing) {
    TokenBucket bucket = make(100, 1000);
    ASSERT_TRUE(bucket.try_consume(70, kT0));
    EXPECT_FALSE(bucket.try_consume(31, kT0));
    EXPECT_EQ(bucket.budget(), 30u);
    EXPECT_TRUE(bucket.try_consume(30, kT0));
}

TEST(TokenBucketTest, OverSizeRequestIsAdmittedOnlyFromAFullBucketAndEmptiesIt) {
    TokenBucket bucket = make(100, 1000);
    ASSERT_TRUE(bucket.try_consume(1, kT0));
    // Not full: refused, and it waits for the bucket to be full (10 ms for the one token).
    EXPECT_FALSE(bucket.try_consume(250, kT0));
    EXPECT_EQ(bucket.budget(), 99u);
    EXPECT_EQ(bucket.time_until(250, kT0), 10ms);
    EXPECT_TRUE(bucket.try_consume(250, kT0 + 10ms));
    EXPECT_EQ(bucket.budget(), 0u);
    EXPECT_FALSE(bucket.try_consume(1, kT0 + 10ms));
    EXPECT_EQ(bucket.time_until(250, kT0 + 10ms), 1000ms);
    EXPECT_TRUE(bucket.try_consume(250, kT0 + 1010ms));
}

TEST(TokenBucketTest, OverSizeRequestUsesTheBurstToo) {
    TokenBucket bucket = make(100, 1000, 20);
    EXPECT_TRUE(bucket.try_consume(500, kT0));
    EXPECT_EQ(bucket.one_time_burst(), 0u);
    EXPECT_EQ(bucket.budget(), 0u);
}

TEST(TokenBucketTest, GiveBackIsCappedAtSize) {
    TokenBucket bucket = make(100, 1000);
    ASSERT_TRUE(bucket.try_consume(10, kT0));
    bucket.give_back(4);
    EXPECT_EQ(bucket.budget(), 94u);
    bucket.give_back(1000);
    EXPECT_EQ(bucket.budget(), 100u);
    bucket.give_back(std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(bucket.budget(), 100u);
}

TEST(TokenBucketTest, GiveBackReturnsBurstTokensToTheBurstUpToItsSize) {
    TokenBucket bucket = make(100, 1000, 50);
    ASSERT_TRUE(bucket.try_consume(20, kT0));
    bucket.give_back(20);
    EXPECT_EQ(bucket.one_time_burst(), 50u);
    EXPECT_EQ(bucket.budget(), 100u);
    ASSERT_TRUE(bucket.try_consume(20, kT0));
    bucket.give_back(1000);
    EXPECT_EQ(bucket.one_time_burst(), 50u);
    EXPECT_EQ(bucket.budget(), 100u);
}

TEST(TokenBucketTest, TimeUntilIsExact) {
    TokenBucket bucket = make(1000, 1000);  // One token per millisecond.
    ASSERT_TRUE(bucket.try_consume(1000, kT0));
    EXPECT_EQ(bucket.time_until(0, kT0), Clock::duration::zero());
    EXPECT_EQ(bucket.time_until(1, kT0), 1ms);
    EXPECT_EQ(bucket.time_until(500, kT0), 500ms);
    EXPECT_EQ(bucket.time_until(1, kT0 + 500us), 500us);
    EXPECT_EQ(bucket.time_until(1000, kT0 + 250ms), 750ms);
    EXPECT_EQ(bucket.time_until(1, kT0 + 1ms), Clock::duration::zero());

    // 3 tokens a second: the first one takes ceil(10^9 / 3) ns.
    TokenBucket thirds = make(3, 1000);
    ASSERT_TRUE(thirds.try_consume(3, kT0));
    const auto wait = thirds.time_until(1, kT0);
    EXPECT_EQ(wait, 333'333'334ns);
    EXPECT_FALSE(thirds.try_consume(1, kT0 + wait - 1ns));
    EXPECT_TRUE(thirds.try_consume(1, kT0 + wait));
    // The remainder carries: the second token comes at ceil(2 * 10^9 / 3) ns.
    EXPECT_EQ(thirds.time_until(1, kT0 + wait), 666'666'667ns - wait);
    EXPECT_TRUE(thirds.try_consume(1, kT0 + 666'666'667ns));
}

TEST(TokenBucketTest, TimeUntilAccountsForTheBurst) {
    TokenBucket bucket = make(100, 1000, 10);
    ASSERT_TRUE(bucket.try_consume(105, kT0));  // Burst 10, then 95 of the budget.
    EXPECT_EQ(bucket.budget(), 5u);
    EXPECT_EQ(bucket.time_until(5, kT0), Clock::duration::zero());
    EXPECT_EQ(bucket.time_until(6, kT0), 10ms);
}

TEST(TokenBucketTest, ZeroSizeBucketLimitsNothing) {
    for (uint64_t refill : {0ull, 1000ull}) {
        TokenBucket bucket = make(0, refill, 77);
        for (int i = 0; i < 3; ++i) {
            EXPECT_TRUE(bucket.try_consume(std::numeric_limits<uint64_t>::max(), kT0));
            EXPECT_EQ(bucket.time_until(std::numeric_limits<uint64_t>::max(), kT0),
                      Clock::duration::zero());
        }
        bucket.give_back(5);
        EXPECT_TRUE(bucket.try_consume(1, kT0 - 1h));
    }
}

TEST(TokenBucketTest, ClockStandingStillOrGoingBackAddsNoTokens) {
    TokenBucket bucket = make(1000, 1000);
    ASSERT_TRUE(bucket.try_consume(1000, kT0 + 1h));
    EXPECT_FALSE(bucket.try_consume(1, kT0 + 1h));
    EXPECT_FALSE(bucket.try_consume(1, kT0));
    EXPECT_FALSE(bucket.try_consume(1, Clock::time_point::min()));
    // From an earlier time the wait includes getting back to the latest time seen.
    EXPECT_EQ(bucket.time_until(1, kT0 + 1h - 1s), 1s + 1ms);
    EXPECT_FALSE(bucket.try_consume(1, kT0 + 1h));
    EXPECT_TRUE(bucket.try_consume(1, kT0 + 1h + 1ms));
    EXPECT_FALSE(bucket.try_consume(1, kT0 + 1h + 1ms));
    // Extreme time points do not crash or overflow.
    EXPECT_TRUE(bucket.time_until(1, Clock::time_point::min()) > 1h);
    EXPECT_TRUE(bucket.try_consume(1000, Clock::time_point::max()));
    EXPECT_FALSE(bucket.try_consume(1, Clock::time_point::max()));
    EXPECT_FALSE(bucket.try_consume(1, Clock::time_point::min()));
}

TEST(TokenBucketTest, HugeSizesAndTimesDoNotOverflow) {
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    const uint64_t max_refill = TokenBucket::kMaxRefillTimeMs;
    TokenBucket bucket = make(kMax, max_refill, kMax, Clock::time_point::min());
    EXPECT_TRUE(bucket.try_consume(kMax, Clock::time_point::min()));
    EXPECT_EQ(bucket.one_time_burst(), 0u);
    EXPECT_EQ(bucket.budget(), kMax);
    EXPECT_TRUE(bucket.try_consume(kMax, Clock::time_point::min()));
    EXPECT_EQ(bucket.budget(), 0u);
    // The full refill takes longer than a duration can say: time_until saturates.
    EXPECT_EQ(bucket.time_until(kMax, Clock::time_point::min()), Clock::duration::max());
    // Refill takes ~584 years; from time_point::min() to the epoch is half of that.
    const auto half = Clock::time_point{};
    EXPECT_TRUE(bucket.try_consume(kMax / 2 - kMax / 1000, half));
    EXPECT_FALSE(bucket.try_consume(kMax / 1000 * 2, half));
    // From the epoch to time_point::max() is another half.
    EXPECT_TRUE(bucket.try_consume(kMax / 2, Clock::time_point::max()));
    EXPECT_LT(bucket.budget(), kMax / 100);
    bucket.give_back(kMax);
    EXPECT_EQ(bucket.budget(), kMax);

    // Huge size with a 1 ms refill: tokens per ns overflow 64 bits without 128-bit math.
    TokenBucket fast = make(kMax, 1);
    ASSERT_TRUE(fast.try_consume(kMax, kT0));
    EXPECT_TRUE(fast.try_consume(kMax / 2, kT0 + 500us));
    EXPECT_FALSE(fast.try_consume(2, kT0 + 500us));
    EXPECT_EQ(fast.time_until(kMax, kT0 + 500us), 1ms);  // Empty again: a full period.
    EXPECT_TRUE(fast.try_consume(kMax, kT0 + 1h));
}

TEST(TokenBucketTest, CreateErrorsNameTheField) {
    auto zero_refill = TokenBucket::create({.size = 10, .refill_time_ms = 0}, kT0);
    ASSERT_FALSE(zero_refill);
    EXPECT_EQ(zero_refill.error().message().rfind("refill_time: ", 0), 0u)
        << zero_refill.error().message();

    auto too_long =
        TokenBucket::create({.size = 10, .refill_time_ms = TokenBucket::kMaxRefillTimeMs + 1}, kT0);
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().message().rfind("refill_time: ", 0), 0u)
        << too_long.error().message();

    EXPECT_TRUE(TokenBucket::create({.size = 0, .refill_time_ms = 0}, kT0));
    EXPECT_TRUE(
        TokenBucket::create({.size = 1, .refill_time_ms = TokenBucket::kMaxRefillTimeMs}, kT0));
}

}  // namespace
}  // namespace zapotec
