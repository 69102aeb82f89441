// A fake interrupt for device tests: counts the signals instead of injecting them.
#pragma once

#include <atomic>
#include <cstdint>

#include "devices/virtio/virtio_device.hpp"

namespace zapotec::virtio::testing {

class CountingInterrupt : public Interrupt {
  public:
    void signal_queue(uint16_t queue_index) override {
        ++queue_signals;
        last_queue = queue_index;
    }
    void signal_config() override { ++config_signals; }

    std::atomic<int> queue_signals{0};
    std::atomic<int> config_signals{0};
    std::atomic<uint16_t> last_queue{0xffff};
};

}  // namespace zapotec::virtio::testing
