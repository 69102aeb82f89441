// Writing metrics lines to the metrics file.
#include "metrics/metrics_file.hpp"

#include "base/append_file.hpp"
#include "metrics/json_metrics_writer.hpp"

namespace zapotec {

Result<MetricsFile> MetricsFile::open(const std::string& path) {
    if (path.empty())
        return make_error("metrics_path: must not be empty");
    UniqueFd fd = TRY(open_for_append(path));
    return MetricsFile(path, std::move(fd));
}

Result<> MetricsFile::write(const Collect& collect) {
    JsonMetricsWriter writer;
    collect(writer);
    if (auto written = append_line(fd_.get(), writer.line(utc_timestamp_ms())); !written)
        return std::unexpected(written.error().context(fmt::format("metrics file {}", path_)));
    ++lines_written_;
    return {};
}

}  // namespace zapotec
