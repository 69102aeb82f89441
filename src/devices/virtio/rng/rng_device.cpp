// The virtio entropy device: each request's writable buffers get fresh random bytes.
#include "devices/virtio/rng/rng_device.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>

#include "base/log.hpp"

namespace zapotec::virtio {

Result<std::shared_ptr<RngDevice>> RngDevice::create(const RngConfig& config) {
    if (config.max_bytes_per_request == 0)
        return make_error("entropy device: max_bytes_per_request must not be zero");
    auto limiter = RateLimiter::create(config.rate_limiter.value_or(RateLimiterConfig{}));
    if (!limiter)
        return std::unexpected(limiter.error().context("entropy device: rate_limiter"));
    return std::shared_ptr<RngDevice>(new RngDevice(config, std::move(*limiter)));
}

uint64_t RngDevice::device_features() const {
    return kFeatureVersion1 | kFeatureRingEventIdx | kFeatureRingIndirectDesc;
}

void RngDevice::read_config(uint64_t, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
}

void RngDevice::write_config(uint64_t offset, std::span<const uint8_t> data) {
    spdlog::debug("{}: ignoring a {}-byte config write at {:#x}", name(), data.size(), offset);
}

RngDevice::State RngDevice::save() const {
    return State{config_, acked_features(), queue_states()};
}

void RngDevice::collect_metrics(MetricSink& sink) const {
    sink.counter("requests", metrics_.requests);
    sink.counter("bytes", metrics_.bytes);
    sink.counter("errors", metrics_.errors);
    sink.counter("throttled", metrics_.throttled);
}

Result<> RngDevice::update_rate_limiter(const RateLimiterConfig& config) {
    Result<> updated;
    locked([&] {
        updated = limiter_->update(config);
        // Whatever the old limits were waiting for, the new ones decide afresh.
        if (updated && limiter_->blocked())
            limiter_->on_timer();
    });
    if (!updated)
        return std::unexpected(updated.error().context("entropy device: rate_limiter"));
    // A queue waiting for the old limits' timer is looked at again under the new ones.
    kick_queues();
    return {};
}

Result<ChainOutcome> RngDevice::handle_chain(size_t, const GuestMemory& memory,
                                             const DescriptorChain& chain) {
    uint64_t wanted = 0;
    for (const Descriptor& buffer : chain.descriptors) {
        if (buffer.device_writable)
            wanted += buffer.length;
    }
    wanted = std::min<uint64_t>(wanted, config_.max_bytes_per_request);
    if (!limiter_->consume(wanted, 1)) {
        ++metrics_.throttled;
        return ChainOutcome::throttled();
    }
    ++metrics_.requests;
    uint32_t written = 0;
    // Readable buffers mean nothing to this device and are skipped.
    for (const Descriptor& buffer : chain.descriptors) {
        if (!buffer.device_writable)
            continue;
        uint32_t step = std::min(buffer.length, config_.max_bytes_per_request - written);
        if (step == 0)
            break;
        auto bytes = TRY(memory.slice(buffer.address, step));
        if (!fill(bytes))
            break;
        written += step;
    }
    metrics_.bytes += written;
    return ChainOutcome::completed(written);
}

bool RngDevice::fill(std::span<uint8_t> buffer) {
    while (!buffer.empty()) {
        ssize_t got = ::getrandom(buffer.data(), buffer.size(), 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            ++metrics_.errors;
            spdlog::warn("{}: getrandom: {}", name(), std::strerror(errno));
            return false;
        }
        buffer = buffer.subspan(static_cast<size_t>(got));
    }
    return true;
}

}  // namespace zapotec::virtio
