// Where components report their counters: a device or the VMM calls counter() once per value
// when the metrics are collected (a metrics flush, GET /metrics). The sink decides the format
// (JSON lines for the metrics file, Prometheus text for the API).
#pragma once

#include <cstdint>
#include <string_view>

namespace zapotec {

class MetricSink {
  public:
    virtual ~MetricSink() = default;
    // A monotonically increasing count, e.g. "read_bytes". Names are snake_case, unique
    // within one component, and stable: clients key on them.
    virtual void counter(std::string_view name, uint64_t value) = 0;
    // A value that goes up and down, e.g. "queue_depth".
    virtual void gauge(std::string_view name, uint64_t value) { counter(name, value); }
};

}  // namespace zapotec
