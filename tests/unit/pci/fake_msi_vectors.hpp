// A fake MSI sink for PCI tests: records the routes the MSI-X table programs and the vectors
// it triggers, instead of talking to KVM.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "devices/pci/msix.hpp"

namespace zapotec::pci::testing {

class FakeMsiVectors : public MsiVectors {
  public:
    Result<> route(uint16_t vector, std::optional<MsiMessage> message) override {
        std::lock_guard lock(mutex_);
        route_calls.push_back({vector, message});
        if (fail_routes)
            return make_error("fake route failure for vector {}", vector);
        if (message) {
            routes[vector] = *message;
        } else {
            routes.erase(vector);
        }
        return {};
    }
    void trigger(uint16_t vector) override {
        std::lock_guard lock(mutex_);
        triggers.push_back(vector);
    }

    int trigger_count(uint16_t vector) {
        std::lock_guard lock(mutex_);
        int count = 0;
        for (uint16_t triggered : triggers)
            count += triggered == vector ? 1 : 0;
        return count;
    }
    std::vector<uint16_t> take_triggers() {
        std::lock_guard lock(mutex_);
        return std::exchange(triggers, {});
    }

    struct RouteCall {
        uint16_t vector;
        std::optional<MsiMessage> message;
    };
    std::vector<RouteCall> route_calls;
    std::map<uint16_t, MsiMessage> routes;
    std::vector<uint16_t> triggers;
    bool fail_routes = false;

  private:
    std::mutex mutex_;
};

}  // namespace zapotec::pci::testing
