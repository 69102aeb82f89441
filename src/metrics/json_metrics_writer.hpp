// Renders collected counters as one JSON object per line, like Firecracker's metrics file:
//   {"utc_timestamp_ms": 1700000000000, "vcpu": {"0": {"exit_io": 12}}, "api": {...}}
// Each component kind is an object keyed by component id; a component whose id is empty
// puts its counters directly under its kind. Values are the running totals (Firecracker
// writes the change since the last flush; totals survive a lost line).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "metrics/metrics_collector.hpp"

namespace zapotec {

class JsonMetricsWriter final : public MetricsCollector {
  public:
    MetricSink& component(std::string_view kind, std::string_view id) override;

    // The collected counters as one line (ending in '\n'), stamped with `utc_timestamp_ms`.
    std::string line(uint64_t utc_timestamp_ms) const;

  private:
    class Sink final : public MetricSink {
      public:
        void counter(std::string_view name, uint64_t value) override;
        nlohmann::ordered_json* target = nullptr;
    };

    nlohmann::ordered_json root_ = nlohmann::ordered_json::object();
    Sink sink_;
};

// Milliseconds since the Unix epoch, for the utc_timestamp_ms field.
uint64_t utc_timestamp_ms();

}  // namespace zapotec
