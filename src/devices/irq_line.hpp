// An interrupt line from a device to the interrupt controller, and a counting fake for tests.
#pragma once

#include <atomic>
#include <cstdint>

namespace zapotec {

// One edge-triggered interrupt input (an ISA IRQ on the IOAPIC). trigger() sends one pulse;
// the VMM implements it with a KVM irqfd. It may be called from any thread.
class IrqLine {
  public:
    virtual ~IrqLine() = default;
    virtual void trigger() = 0;
};

// Counts pulses instead of delivering them; for unit tests and fuzz targets.
class CountingIrqLine final : public IrqLine {
  public:
    void trigger() override { count_.fetch_add(1, std::memory_order_relaxed); }
    uint64_t count() const { return count_.load(std::memory_order_relaxed); }
    // Returns the pulses seen since the last call and starts counting afresh.
    uint64_t take() { return count_.exchange(0, std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> count_{0};
};

}  // namespace zapotec
