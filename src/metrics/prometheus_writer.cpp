// The Prometheus text format of GET /metrics.
#include "metrics/prometheus_writer.hpp"

#include <fmt/core.h>

namespace zapotec {

std::string prometheus_name(std::string_view text) {
    std::string name(text);
    for (char& c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!ok)
            c = '_';
    }
    return name;
}

std::string prometheus_label_value(std::string_view text) {
    std::string value;
    value.reserve(text.size());
    for (char c : text) {
        if (c == '\\')
            value += "\\\\";
        else if (c == '"')
            value += "\\\"";
        else if (c == '\n')
            value += "\\n";
        else
            value += c;
    }
    return value;
}

MetricSink& PrometheusWriter::component(std::string_view kind, std::string_view id) {
    sink_.writer = this;
    sink_.prefix = "zapotec_" + prometheus_name(kind) + "_";
    sink_.id = std::string(id);
    return sink_;
}

void PrometheusWriter::Sink::counter(std::string_view name, uint64_t value) {
    add(name, value, false);
}

void PrometheusWriter::Sink::gauge(std::string_view name, uint64_t value) {
    add(name, value, true);
}

void PrometheusWriter::Sink::add(std::string_view name, uint64_t value, bool is_gauge) {
    Family& family = writer->families_[prefix + prometheus_name(name)];
    family.gauge = family.gauge || is_gauge;
    family.samples.emplace_back(id, value);
}

std::string PrometheusWriter::text() const {
    std::string out;
    for (const auto& [name, family] : families_) {
        out += fmt::format("# TYPE {} {}\n", name, family.gauge ? "gauge" : "counter");
        for (const auto& [id, value] : family.samples)
            out += fmt::format("{}{{id=\"{}\"}} {}\n", name, prometheus_label_value(id), value);
    }
    return out;
}

}  // namespace zapotec
