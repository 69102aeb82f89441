// TokenBucket: exact continuous refill in 128-bit arithmetic.
//
// Between updates, elapsed_ns * size "token-nanoseconds" accrue and every refill_ns of them is
// one token; the remainder (less than refill_ns) is carried, so refilling in many small steps
// gives exactly as many tokens as refilling once. A full bucket drops the remainder (the time
// it spends full earns nothing).
#include "rate_limiter/token_bucket.hpp"

#include <algorithm>
#include <limits>

namespace zapotec {

namespace {

using u128 = unsigned __int128;

// Nanoseconds from `from` to `to`, for to > from, without signed overflow.
uint64_t nanos_between(TokenBucket::Clock::time_point from, TokenBucket::Clock::time_point to) {
    auto ns = [](TokenBucket::Clock::time_point t) {
        return static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
    };
    return ns(to) - ns(from);
}

TokenBucket::Clock::duration saturating_nanos(u128 ns) {
    using Duration = TokenBucket::Clock::duration;
    constexpr auto kMax = std::chrono::duration_cast<std::chrono::nanoseconds>(Duration::max());
    if (ns >= static_cast<u128>(kMax.count()))
        return Duration::max();
    return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(static_cast<int64_t>(ns)));
}

}  // namespace

Result<TokenBucket> TokenBucket::create(const TokenBucketConfig& config, Clock::time_point now) {
    if (config.size > 0 && config.refill_time_ms == 0)
        return make_error("refill_time: must not be 0 when size is not 0");
    if (config.refill_time_ms > kMaxRefillTimeMs)
        return make_error("refill_time: must be at most {} (ms), got {}", kMaxRefillTimeMs,
                          config.refill_time_ms);
    return TokenBucket(config, now);
}

TokenBucket::TokenBucket(const TokenBucketConfig& config, Clock::time_point now)
    : config_(config),
      burst_(config.size > 0 ? config.one_time_burst.value_or(0) : 0),
      budget_(config.size),
      refill_ns_(config.refill_time_ms * 1'000'000),
      last_update_(now) {}

TokenBucket::Refilled TokenBucket::refilled(Clock::time_point now) const {
    if (now <= last_update_)
        return {budget_, remainder_};
    const uint64_t size = config_.size;
    if (budget_ >= size)
        return {size, 0};
    const u128 accrued = static_cast<u128>(nanos_between(last_update_, now)) * size + remainder_;
    const u128 tokens = accrued / refill_ns_;
    if (tokens >= size - budget_)
        return {size, 0};
    return {budget_ + static_cast<uint64_t>(tokens), static_cast<uint64_t>(accrued % refill_ns_)};
}

void TokenBucket::refill(Clock::time_point now) {
    // A clock that stands still or goes backwards earns nothing; last_update_ stays at the
    // latest time seen, so going back and forth again earns nothing either.
    if (unlimited() || now <= last_update_)
        return;
    Refilled r = refilled(now);
    budget_ = r.budget;
    remainder_ = r.remainder;
    last_update_ = now;
}

uint64_t TokenBucket::budget_needed(uint64_t tokens) const {
    if (tokens <= burst_)
        return 0;
    return std::min(tokens - burst_, config_.size);
}

bool TokenBucket::try_consume(uint64_t tokens, Clock::time_point now) {
    if (unlimited())
        return true;
    refill(now);
    if (tokens <= burst_) {
        burst_ -= tokens;
        return true;
    }
    const uint64_t rest = tokens - burst_;
    if (rest <= budget_) {
        burst_ = 0;
        budget_ -= rest;
        return true;
    }
    if (rest > config_.size && budget_ == config_.size) {
        // Over-size request: admitted from a full bucket, which it empties.
        burst_ = 0;
        budget_ = 0;
        remainder_ = 0;
        return true;
    }
    return false;
}

void TokenBucket::give_back(uint64_t tokens) {
    if (unlimited())
        return;
    // Burst tokens are spent first, so while some are left the consume being undone took
    // only burst tokens (Firecracker's force_replenish does the same).
    if (burst_ > 0) {
        const uint64_t initial = config_.one_time_burst.value_or(0);
        const uint64_t room = initial > burst_ ? initial - burst_ : 0;
        const uint64_t to_burst = std::min(tokens, room);
        burst_ += to_burst;
        tokens -= to_burst;
    }
    budget_ += std::min(tokens, config_.size - budget_);
}

TokenBucket::Clock::duration TokenBucket::time_until(uint64_t tokens, Clock::time_point now) const {
    if (unlimited())
        return Clock::duration::zero();
    const Refilled r = refilled(now);
    const uint64_t needed = budget_needed(tokens);
    if (r.budget >= needed)
        return Clock::duration::zero();
    // Smallest E (ns) with remainder + E * size >= deficit * refill_ns.
    const u128 deficit = needed - r.budget;
    const u128 target = deficit * refill_ns_ - r.remainder;  // > 0: remainder < refill_ns
    u128 wait = (target + config_.size - 1) / config_.size;
    if (now < last_update_)
        wait += nanos_between(now, last_update_);  // The clock went back: refill resumes later.
    return saturating_nanos(wait);
}

uint64_t TokenBucket::budget() const {
    return budget_;
}

}  // namespace zapotec
