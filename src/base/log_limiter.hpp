// Caps how often one object may log a warning a guest can provoke, so that a hostile guest
// repeating an action cannot make the VMM log without bound.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "base/log.hpp"

namespace zapotec {

// Lets the first `limit` warnings through, then logs once that further ones are suppressed,
// then stays silent until reset(). Thread-safe: the counter is the only state.
class LogLimiter {
  public:
    static constexpr uint32_t kDefaultLimit = 10;

    explicit LogLimiter(uint32_t limit = kDefaultLimit) : limit_(limit) {}
    LogLimiter(const LogLimiter&) = delete;
    LogLimiter& operator=(const LogLimiter&) = delete;

    template <class... Args>
    void warn(spdlog::format_string_t<Args...> format, Args&&... args) {
        uint64_t seen = seen_.fetch_add(1, std::memory_order_relaxed);
        if (seen < limit_) {
            spdlog::warn(format, std::forward<Args>(args)...);
        } else if (seen == limit_) {
            spdlog::warn("{} (further warnings like this are suppressed)",
                         fmt::format(format, std::forward<Args>(args)...));
        }
    }

    // How many warnings were asked for since construction or the last reset().
    uint64_t seen() const { return seen_.load(std::memory_order_relaxed); }
    // Lets warnings through again (for the host, never on a guest's request).
    void reset() { seen_.store(0, std::memory_order_relaxed); }

  private:
    const uint32_t limit_;
    std::atomic<uint64_t> seen_{0};
};

}  // namespace zapotec
