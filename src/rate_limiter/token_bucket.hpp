// A token bucket (Firecracker's TokenBucket semantics): `size` tokens refill continuously,
// all of them every `refill_time`; `one_time_burst` extra tokens are spent first and never
// come back. Tokens are bytes or operations; the bucket does not care which.
//
// Time is passed in explicitly so that tests can drive the clock; the bucket never reads a
// clock itself.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/error.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec {

class TokenBucket {
  public:
    using Clock = std::chrono::steady_clock;

    // Checks the config (a non-zero size needs a non-zero refill time; sizes and times are
    // bounded so that no arithmetic overflows) and returns a full bucket. An error names the
    // offending field relative to the bucket: "size: ...", "refill_time: ...".
    [[nodiscard]] static Result<TokenBucket> create(const TokenBucketConfig& config,
                                                    Clock::time_point now);

    // Takes `tokens` if the bucket (burst first, then budget) has them and returns true;
    // otherwise takes nothing and returns false. A request larger than `size` can never be
    // met in full: it is allowed once the bucket is full and leaves it empty (Firecracker's
    // "overconsumption"), so that it is delayed, not refused forever.
    [[nodiscard]] bool try_consume(uint64_t tokens, Clock::time_point now);
    // Gives back tokens taken by try_consume() for work that did not happen (capped at size).
    void give_back(uint64_t tokens);
    // How long until try_consume(tokens) would succeed; zero when it would now.
    [[nodiscard]] Clock::duration time_until(uint64_t tokens, Clock::time_point now) const;

    const TokenBucketConfig& config() const { return config_; }
    uint64_t budget() const;                            // Tokens available now, without burst.
    uint64_t one_time_burst() const { return burst_; }  // Burst tokens left.

    // The longest refill time create() accepts, in ms (the config validator's bound too):
    // refill_time * 10^6 ns fits in 64 bits.
    static constexpr uint64_t kMaxRefillTimeMs = UINT64_MAX / 1'000'000;

  private:
    TokenBucket(const TokenBucketConfig& config, Clock::time_point now);

    bool unlimited() const { return config_.size == 0; }
    // Adds the tokens refilled between last_update_ and `now` (nothing when the clock has not
    // moved forward).
    void refill(Clock::time_point now);
    // The budget that refill(now) would leave, and the sub-token remainder with it.
    struct Refilled {
        uint64_t budget;
        uint64_t remainder;
    };
    Refilled refilled(Clock::time_point now) const;
    // Tokens that must come from the budget for a request of `tokens` (after the burst), capped
    // at size: an over-size request waits for a full bucket.
    uint64_t budget_needed(uint64_t tokens) const;

    TokenBucketConfig config_;
    uint64_t burst_ = 0;
    uint64_t budget_ = 0;
    // Refill is exact: elapsed_ns * size tokens-ns accrue, one token per refill_ns of them;
    // remainder_ (< refill_ns_) carries the fraction of a token between refills.
    uint64_t refill_ns_ = 0;
    uint64_t remainder_ = 0;
    Clock::time_point last_update_{};
};

}  // namespace zapotec
