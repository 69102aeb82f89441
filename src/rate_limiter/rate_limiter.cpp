// RateLimiter: two optional token buckets consumed together, and a timerfd that says when a
// refused request could be admitted.
#include "rate_limiter/rate_limiter.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>

#include "base/log.hpp"

namespace zapotec {

namespace {

// A refused request waits at least this long, so a device never spins on the timer.
constexpr auto kMinWait = std::chrono::milliseconds(1);

// Builds the buckets `config` sets; errors are prefixed "bandwidth." or "ops.".
Result<> make_buckets(const RateLimiterConfig& config, TokenBucket::Clock::time_point now,
                      std::optional<TokenBucket>& bandwidth, std::optional<TokenBucket>& ops) {
    auto build = [now](const TokenBucketConfig& bucket, const char* name,
                       std::optional<TokenBucket>& out) -> Result<> {
        auto made = TokenBucket::create(bucket, now);
        if (!made)
            return make_error("{}.{}", name, made.error().message());
        out.emplace(std::move(*made));
        return {};
    };
    if (config.bandwidth)
        TRY(build(*config.bandwidth, "bandwidth", bandwidth));
    if (config.ops)
        TRY(build(*config.ops, "ops", ops));
    return {};
}

}  // namespace

Result<std::unique_ptr<RateLimiter>> RateLimiter::create(const RateLimiterConfig& config,
                                                         ClockSource clock) {
    std::unique_ptr<RateLimiter> limiter(new RateLimiter());
    limiter->clock_ = clock ? std::move(clock) : ClockSource([] { return Clock::now(); });
    TRY(make_buckets(config, limiter->now(), limiter->bandwidth_, limiter->ops_));
    int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0)
        return errno_error("timerfd_create");
    limiter->timer_fd_.reset(fd);
    return limiter;
}

bool RateLimiter::consume(uint64_t bytes, uint64_t ops) {
    if (blocked_) {
        ++throttled_;
        return false;
    }
    if (!bandwidth_ && !ops_)
        return true;
    const Clock::time_point now = this->now();
    Clock::duration wait = Clock::duration::zero();
    if (bandwidth_)
        wait = std::max(wait, bandwidth_->time_until(bytes, now));
    if (ops_)
        wait = std::max(wait, ops_->time_until(ops, now));
    if (wait == Clock::duration::zero()) {
        // Both buckets can meet the request (time_until() is zero exactly when try_consume()
        // succeeds), so neither consume fails and the request is taken whole.
        if (bandwidth_)
            static_cast<void>(bandwidth_->try_consume(bytes, now));
        if (ops_)
            static_cast<void>(ops_->try_consume(ops, now));
        return true;
    }
    ++throttled_;
    arm_timer(std::max<Clock::duration>(wait, kMinWait));
    return false;
}

void RateLimiter::arm_timer(Clock::duration wait) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    if (::timerfd_settime(timer_fd_.get(), 0, &spec, nullptr) != 0) {
        // Without a timer nothing would unblock the device; stay unblocked (it retries on its
        // next notification) rather than stall forever.
        spdlog::warn("rate limiter: timerfd_settime failed: {}", std::strerror(errno));
        return;
    }
    blocked_ = true;
}

void RateLimiter::give_back(uint64_t bytes, uint64_t ops) {
    if (bandwidth_)
        bandwidth_->give_back(bytes);
    if (ops_)
        ops_->give_back(ops);
}

bool RateLimiter::blocked() const {
    return blocked_;
}

int RateLimiter::timer_fd() const {
    return timer_fd_.get();
}

void RateLimiter::on_timer() {
    uint64_t expirations = 0;
    if (::read(timer_fd_.get(), &expirations, sizeof(expirations)) < 0) {
        // EAGAIN: not expired yet (a spurious wakeup); unblocking is still safe, consume()
        // re-arms the timer if the buckets are still short.
    }
    blocked_ = false;
}

Result<> RateLimiter::update(const RateLimiterConfig& config) {
    std::optional<TokenBucket> bandwidth;
    std::optional<TokenBucket> ops;
    TRY(make_buckets(config, now(), bandwidth, ops));
    if (bandwidth)
        bandwidth_ = std::move(bandwidth);
    if (ops)
        ops_ = std::move(ops);
    return {};
}

bool RateLimiter::limits_anything() const {
    return (bandwidth_ && bandwidth_->config().size > 0) || (ops_ && ops_->config().size > 0);
}

RateLimiterConfig RateLimiter::config() const {
    RateLimiterConfig config;
    if (bandwidth_)
        config.bandwidth = bandwidth_->config();
    if (ops_)
        config.ops = ops_->config();
    return config;
}

uint64_t RateLimiter::throttled_count() const {
    return throttled_;
}

}  // namespace zapotec
