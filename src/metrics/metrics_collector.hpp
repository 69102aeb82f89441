// Gathers counters grouped by component: collector.component("vcpu", "0") is the sink for
// vCPU 0's counters, component("block", "rootfs") for a drive's. Writers (JSON lines for the
// metrics file, Prometheus text for GET /metrics) implement it.
#pragma once

#include <string_view>

#include "metrics/metric_sink.hpp"

namespace zapotec {

class MetricsCollector {
  public:
    virtual ~MetricsCollector() = default;
    // The sink for one component instance; valid until the next call.
    virtual MetricSink& component(std::string_view kind, std::string_view id) = 0;
};

}  // namespace zapotec
