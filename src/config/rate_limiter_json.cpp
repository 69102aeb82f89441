// Parses Firecracker's RateLimiter and TokenBucket objects, shared by drives, network
// interfaces and the entropy device.
#include <array>

#include "config/section_parsers.hpp"

namespace zapotec::config {

namespace {

Result<TokenBucketConfig> parse_token_bucket(const Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 3> kFields{"size", "one_time_burst",
                                                             "refill_time"};
    JsonObject object = TRY(JsonObject::open(value, path, kFields));
    TokenBucketConfig bucket;
    bucket.size = TRY(object.required("size", as_u64));
    bucket.one_time_burst = TRY(object.optional("one_time_burst", as_u64));
    bucket.refill_time_ms = TRY(object.required("refill_time", as_u64));
    return bucket;
}

}  // namespace

Result<RateLimiterConfig> parse_rate_limiter(const Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 2> kFields{"bandwidth", "ops"};
    JsonObject object = TRY(JsonObject::open(value, path, kFields));
    RateLimiterConfig limiter;
    limiter.bandwidth = TRY(object.optional("bandwidth", parse_token_bucket));
    limiter.ops = TRY(object.optional("ops", parse_token_bucket));
    return limiter;
}

}  // namespace zapotec::config
