// Firecracker's RateLimiter: a bandwidth bucket (bytes) and an ops bucket (operations), either
// optional. A device asks it before doing guest-visible work; when the limiter says no, the
// device stops serving that queue and watches timer_fd(), which becomes readable when the
// limiter may admit work again. Nothing polls.
//
// Threads: every method is called on the event loop thread (the device's queue processing,
// the timer handler, and runtime updates from the API, which reach the VMM thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "rate_limiter/token_bucket.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec {

class RateLimiter {
  public:
    using Clock = TokenBucket::Clock;
    using ClockSource = std::function<Clock::time_point()>;

    // A limiter with the buckets `config` sets (none: it admits everything) and its timerfd.
    // `clock` defaults to steady_clock::now; tests pass their own. Errors name the field
    // relative to the limiter ("bandwidth.refill_time: must not be 0 when size is set").
    [[nodiscard]] static Result<std::unique_ptr<RateLimiter>> create(
        const RateLimiterConfig& config, ClockSource clock = {});

    // Takes `bytes` from the bandwidth bucket and `ops` from the ops bucket, all or nothing.
    // On refusal the limiter is blocked: the timer is armed for when both buckets can meet
    // the request, and the throttled counter goes up.
    [[nodiscard]] bool consume(uint64_t bytes, uint64_t ops = 1);
    // Undoes a consume() whose work did not happen (e.g. the chain was put back).
    void give_back(uint64_t bytes, uint64_t ops = 1);

    // True between a refused consume() and the timer firing.
    bool blocked() const;
    // Readable when a blocked limiter may admit again; watch it with EPOLLIN and call
    // on_timer() when it fires, then serve the queue again.
    int timer_fd() const;
    // Reads the timerfd and unblocks the limiter.
    void on_timer();

    // Replaces the buckets (PATCH /drives, PATCH /network-interfaces); buckets not present in
    // `config` are kept, like Firecracker's update semantics.
    [[nodiscard]] Result<> update(const RateLimiterConfig& config);
    // Whether any bucket limits anything.
    bool limits_anything() const;
    RateLimiterConfig config() const;

    // Refusals so far (each refused consume() counts once).
    uint64_t throttled_count() const;

  private:
    RateLimiter() = default;

    Clock::time_point now() const { return clock_(); }
    void arm_timer(Clock::duration wait);

    ClockSource clock_;
    std::optional<TokenBucket> bandwidth_;
    std::optional<TokenBucket> ops_;
    UniqueFd timer_fd_;
    bool blocked_ = false;
    uint64_t throttled_ = 0;
};

}  // namespace zapotec
