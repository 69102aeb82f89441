// Rate limiter configs drawn from the fuzz input for the device targets. The devices read the
// real clock, so the buckets refill so slowly that no token comes back during a run: a run
// then depends on the input alone, and the fuzzer still reaches every throttling path.
#pragma once

#include <cstdint>
#include <optional>

#include "fuzz_input.hpp"
#include "rate_limiter/token_bucket.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec::fuzzing {

inline std::optional<TokenBucketConfig> take_frozen_bucket(InputReader& input) {
    uint8_t mode = input.take<uint8_t>();
    if (!(mode & 1))
        return std::nullopt;
    TokenBucketConfig bucket;
    // Up to 2^32 tokens: at the longest refill time one token takes over a second.
    bucket.size = (mode & 2) ? input.take<uint32_t>() : input.take<uint16_t>();
    if (mode & 4)
        bucket.one_time_burst = input.take<uint32_t>();
    bucket.refill_time_ms = bucket.size ? TokenBucket::kMaxRefillTimeMs : 0;
    return bucket;
}

inline std::optional<RateLimiterConfig> take_frozen_limiter(InputReader& input) {
    if (!(input.take<uint8_t>() & 1))
        return std::nullopt;
    RateLimiterConfig config;
    config.bandwidth = take_frozen_bucket(input);
    config.ops = take_frozen_bucket(input);
    return config;
}

}  // namespace zapotec::fuzzing
