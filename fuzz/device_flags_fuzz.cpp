// libFuzzer target for the user-input side of the devices: the --disk and --net flag parsers
// with their SIZE values, and the rate limiter they configure, driven by a fake clock through
// arbitrary consume/give_back/timer/update sequences. Beyond sanitizer reports (UBSan catches
// arithmetic that overflows), what a parser accepts must make sense, and a token bucket must
// keep its promises: never more tokens than its size, and time_until() == 0 exactly when
// try_consume() would succeed (the rate limiter relies on it).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cli/device_flags.hpp"
#include "fuzz_input.hpp"
#include "rate_limiter/rate_limiter.hpp"
#include "rate_limiter/token_bucket.hpp"

namespace {

using namespace zapotec;
using zapotec::fuzzing::InputReader;
using Clock = TokenBucket::Clock;

void check(bool condition) {
    if (!condition)
        __builtin_trap();
}

// What parse_size() must return for `text`, by a naive parse: nullopt for an error.
std::optional<uint64_t> expected_size(std::string_view text) {
    unsigned __int128 multiplier = 1;
    if (!text.empty()) {
        char last = text.back();
        if (last == 'K' || last == 'k')
            multiplier = 1ull << 10;
        else if (last == 'M' || last == 'm')
            multiplier = 1ull << 20;
        else if (last == 'G' || last == 'g')
            multiplier = 1ull << 30;
        if (multiplier != 1)
            text.remove_suffix(1);
    }
    if (text.empty())
        return std::nullopt;
    unsigned __int128 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > UINT64_MAX)
            return std::nullopt;
    }
    value *= multiplier;
    if (value == 0 || value > UINT64_MAX)
        return std::nullopt;
    return static_cast<uint64_t>(value);
}

// A flag's limiter always refills every second, by a non-zero amount.
void check_flag_limiter(const std::optional<RateLimiterConfig>& limiter) {
    if (!limiter)
        return;
    for (const auto& bucket : {limiter->bandwidth, limiter->ops}) {
        if (bucket)
            check(bucket->size > 0 && bucket->refill_time_ms == 1000);
    }
    // What the flags accept, the device must accept.
    check(RateLimiter::create(*limiter).has_value());
}

void fuzz_disk_flag(const std::string& spec, size_t index) {
    auto drive = parse_disk_flag(spec, index);
    if (!drive)
        return check(!drive.error().message().empty());
    check(!drive->path_on_host.empty());
    check(drive->path_on_host.find(',') == std::string::npos);
    check(spec.starts_with(drive->path_on_host));
    check(drive->is_root_device == (index == 0));
    check_flag_limiter(drive->rate_limiter);
}

void fuzz_net_flag(const std::string& spec, size_t index) {
    auto iface = parse_net_flag(spec, index);
    if (!iface)
        return check(!iface.error().message().empty());
    check(!iface->host_dev_name.empty());
    check(!iface->mtu || *iface->mtu > 0);
    check_flag_limiter(iface->rx_rate_limiter);
    check_flag_limiter(iface->tx_rate_limiter);
}

void fuzz_size(const std::string& text) {
    auto size = parse_size(text);
    auto expected = expected_size(text);
    check(size.has_value() == expected.has_value());
    if (size)
        check(*size == *expected);
}

// A fake clock the input moves: forwards, backwards, by any amount, without overflowing.
class FakeClock {
  public:
    explicit FakeClock(int64_t start) : ns_(start) {}
    Clock::time_point now() const {
        return Clock::time_point(
            std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns_)));
    }
    void advance(int64_t delta) {
        int64_t moved = 0;
        if (!__builtin_add_overflow(ns_, delta, &moved))
            ns_ = moved;
    }

  private:
    int64_t ns_;
};

// A delta that is mostly small and forward, sometimes anything.
int64_t take_delta(InputReader& input) {
    uint8_t mode = input.take<uint8_t>();
    if (mode & 1)
        return input.take<int64_t>();
    return static_cast<int64_t>(input.take<uint32_t>());
}

TokenBucketConfig take_bucket(InputReader& input) {
    uint8_t mode = input.take<uint8_t>();
    TokenBucketConfig bucket;
    bucket.size = (mode & 1) ? input.take<uint64_t>() : input.take<uint16_t>();
    if (mode & 2)
        bucket.one_time_burst = (mode & 4) ? input.take<uint64_t>() : input.take<uint16_t>();
    bucket.refill_time_ms = (mode & 8) ? input.take<uint64_t>() : input.take<uint16_t>();
    return bucket;
}

RateLimiterConfig take_limiter(InputReader& input) {
    uint8_t mode = input.take<uint8_t>();
    RateLimiterConfig config;
    if (mode & 1)
        config.bandwidth = take_bucket(input);
    if (mode & 2)
        config.ops = take_bucket(input);
    return config;
}

uint64_t take_tokens(InputReader& input) {
    uint8_t mode = input.take<uint8_t>();
    return (mode & 1) ? input.take<uint64_t>() : input.take<uint16_t>();
}

void check_bucket(const TokenBucket& bucket) {
    const auto& config = bucket.config();
    if (config.size == 0)
        return;
    check(bucket.budget() <= config.size);
    check(bucket.one_time_burst() <= config.one_time_burst.value_or(0));
}

void fuzz_token_bucket(InputReader& input) {
    FakeClock clock(input.take<int64_t>());
    auto bucket = TokenBucket::create(take_bucket(input), clock.now());
    if (!bucket)
        return;
    for (int step = 0; step < 64 && !input.empty(); ++step) {
        switch (input.take<uint8_t>() % 3) {
            case 0: {
                uint64_t tokens = take_tokens(input);
                bool ready = bucket->time_until(tokens, clock.now()) == Clock::duration::zero();
                check(bucket->try_consume(tokens, clock.now()) == ready);
                break;
            }
            case 1:
                bucket->give_back(take_tokens(input));
                break;
            case 2:
                clock.advance(take_delta(input));
                break;
        }
        check_bucket(*bucket);
    }
}

void fuzz_rate_limiter(InputReader& input) {
    FakeClock clock(input.take<int64_t>());
    auto limiter = RateLimiter::create(take_limiter(input), [&clock] { return clock.now(); });
    if (!limiter)
        return;
    RateLimiter& rate = **limiter;
    for (int step = 0; step < 64 && !input.empty(); ++step) {
        switch (input.take<uint8_t>() % 6) {
            case 0: {
                bool was_blocked = rate.blocked();
                uint64_t bytes = take_tokens(input);
                bool admitted = rate.consume(bytes, take_tokens(input));
                // A blocked limiter refuses until its timer fires; a refusal blocks it.
                check(!(was_blocked && admitted));
                check(admitted || rate.blocked());
                break;
            }
            case 1: {
                uint64_t bytes = take_tokens(input);
                rate.give_back(bytes, take_tokens(input));
                break;
            }
            case 2:
                rate.on_timer();
                check(!rate.blocked());
                break;
            case 3:
                clock.advance(take_delta(input));
                break;
            case 4:
                (void)rate.update(take_limiter(input));
                break;
            case 5: {
                RateLimiterConfig config = rate.config();
                check(rate.limits_anything() == ((config.bandwidth && config.bandwidth->size > 0) ||
                                                 (config.ops && config.ops->size > 0)));
                (void)rate.throttled_count();
                break;
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    InputReader input(data, size);
    uint8_t mode = input.take<uint8_t>();
    size_t index = input.take<uint8_t>() % 4;
    std::string text(reinterpret_cast<const char*>(input.rest()), input.rest_size());
    switch (mode % 5) {
        case 0:
            fuzz_disk_flag(text, index);
            break;
        case 1:
            fuzz_net_flag(text, index);
            break;
        case 2:
            fuzz_size(text);
            break;
        case 3:
            fuzz_token_bucket(input);
            break;
        case 4:
            fuzz_rate_limiter(input);
            break;
    }
    return 0;
}
