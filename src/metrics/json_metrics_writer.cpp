// The JSON-lines metrics format of the metrics file.
#include "metrics/json_metrics_writer.hpp"

#include <chrono>

namespace zapotec {

MetricSink& JsonMetricsWriter::component(std::string_view kind, std::string_view id) {
    nlohmann::ordered_json& by_kind = root_[std::string(kind)];
    sink_.target = id.empty() ? &by_kind : &by_kind[std::string(id)];
    if (sink_.target->is_null())
        *sink_.target = nlohmann::ordered_json::object();
    return sink_;
}

void JsonMetricsWriter::Sink::counter(std::string_view name, uint64_t value) {
    // A component whose kind also names one with an id would find an object here; a
    // counter never overwrites a component.
    nlohmann::ordered_json& slot = (*target)[std::string(name)];
    if (slot.is_null() || slot.is_number())
        slot = value;
}

std::string JsonMetricsWriter::line(uint64_t timestamp_ms) const {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["utc_timestamp_ms"] = timestamp_ms;
    for (const auto& [key, value] : root_.items())
        out[key] = value;
    // Names come from our own code, but replace invalid UTF-8 rather than throw.
    return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

uint64_t utc_timestamp_ms() {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

}  // namespace zapotec
