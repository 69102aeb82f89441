// A vCPU's counters: exits by reason and time spent in KVM_RUN. The vCPU thread counts,
// any thread reads (relaxed atomics: metrics need no ordering).
#pragma once

#include <atomic>
#include <cstdint>

#include "kvm/vcpu_exit.hpp"
#include "metrics/metric_sink.hpp"

namespace zapotec {

class VcpuCounters {
  public:
    void count(const kvm::VcpuExit& exit) {
        // The variant's alternatives, in order, each have their own counter.
        static_assert(std::variant_size_v<kvm::VcpuExit> == kReasons);
        bump(exits_[exit.index()]);
    }
    void add_run_time(uint64_t nanoseconds) { run_ns_.fetch_add(nanoseconds, kRelaxed); }
    void count_pause() { bump(pauses_); }

    uint64_t exits() const {
        uint64_t total = 0;
        for (const auto& count : exits_)
            total += count.load(kRelaxed);
        return total;
    }

    void report(MetricSink& sink) const {
        static constexpr const char* kNames[kReasons] = {
            "exits_io_in",          "exits_io_out",       "exits_mmio_read",
            "exits_mmio_write",     "exits_interrupted",  "exits_hlt",
            "exits_shutdown",       "exits_system_event", "exits_fail_entry",
            "exits_internal_error", "exits_other"};
        for (size_t i = 0; i < kReasons; ++i)
            sink.counter(kNames[i], exits_[i].load(kRelaxed));
        sink.counter("exits", exits());
        sink.counter("kvm_run_us", run_ns_.load(kRelaxed) / 1000);
        sink.counter("pauses", pauses_.load(kRelaxed));
    }

  private:
    static constexpr size_t kReasons = 11;
    static constexpr auto kRelaxed = std::memory_order_relaxed;
    static void bump(std::atomic<uint64_t>& counter) { counter.fetch_add(1, kRelaxed); }

    std::atomic<uint64_t> exits_[kReasons]{};
    std::atomic<uint64_t> run_ns_{0};
    std::atomic<uint64_t> pauses_{0};
};

}  // namespace zapotec
