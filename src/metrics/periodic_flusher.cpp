// The periodic metrics flush: a timerfd on the event loop.
#include "metrics/periodic_flusher.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdint>

#include "base/log.hpp"

namespace zapotec {

Result<std::unique_ptr<PeriodicFlusher>> PeriodicFlusher::start(EventLoop& loop,
                                                                std::chrono::milliseconds period,
                                                                std::function<void()> flush) {
    if (period <= std::chrono::milliseconds::zero())
        return make_error("metrics flush period must be positive");
    int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0)
        return errno_error("timerfd_create");
    UniqueFd timer(fd);
    itimerspec spec{};
    spec.it_interval.tv_sec = static_cast<time_t>(period.count() / 1000);
    spec.it_interval.tv_nsec = static_cast<long>((period.count() % 1000) * 1'000'000);
    spec.it_value = spec.it_interval;
    if (::timerfd_settime(timer.get(), 0, &spec, nullptr) < 0)
        return errno_error("timerfd_settime");
    std::unique_ptr<PeriodicFlusher> flusher(
        new PeriodicFlusher(loop, std::move(timer), std::move(flush)));
    PeriodicFlusher* raw = flusher.get();
    TRY(loop.add(
        raw->timer_.get(), EPOLLIN, [raw](uint32_t) { raw->on_timer(); }, EventClass::kControl));
    return flusher;
}

PeriodicFlusher::~PeriodicFlusher() {
    if (auto removed = loop_.remove(timer_.get()); !removed)
        spdlog::debug("metrics timer: {}", removed.error().message());
}

void PeriodicFlusher::on_timer() {
    // The count of expirations; several missed periods still mean one flush.
    uint64_t expirations = 0;
    if (::read(timer_.get(), &expirations, sizeof(expirations)) != sizeof(expirations))
        return;
    flush_();
}

}  // namespace zapotec
