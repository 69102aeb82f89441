// Renders collected counters in the Prometheus text exposition format (version 0.0.4), for
// GET /metrics. A counter `name` of a component of kind `kind` with id `id` becomes
//   # TYPE zapotec_<kind>_<name> counter
//   zapotec_<kind>_<name>{id="<id>"} <value>
// with all samples of one metric under its single # TYPE line. Characters a metric name may
// not hold become '_'; label values are escaped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metrics_collector.hpp"

namespace zapotec {

class PrometheusWriter final : public MetricsCollector {
  public:
    MetricSink& component(std::string_view kind, std::string_view id) override;

    // Every metric collected so far, sorted by name.
    std::string text() const;

  private:
    struct Family {
        bool gauge = false;
        std::vector<std::pair<std::string, uint64_t>> samples;  // Component id, value.
    };

    class Sink final : public MetricSink {
      public:
        void counter(std::string_view name, uint64_t value) override;
        void gauge(std::string_view name, uint64_t value) override;
        void add(std::string_view name, uint64_t value, bool gauge);

        PrometheusWriter* writer = nullptr;
        std::string prefix;  // "zapotec_<kind>_".
        std::string id;
    };

    std::map<std::string, Family> families_;
    Sink sink_;
};

// `text` with every character outside [a-zA-Z0-9_] replaced by '_'.
std::string prometheus_name(std::string_view text);
// `text` escaped for a label value: backslash, double quote and newline.
std::string prometheus_label_value(std::string_view text);

}  // namespace zapotec
