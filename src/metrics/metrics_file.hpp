// The metrics file (PUT /metrics, --metrics-path): opened once for appending, like
// Firecracker's, and written one whole JSON line per flush.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "metrics/metrics_collector.hpp"

namespace zapotec {

class MetricsFile {
  public:
    using Collect = std::function<void(MetricsCollector&)>;

    // Opens `path` (a regular file, created if missing, or a FIFO); see open_for_append().
    [[nodiscard]] static Result<MetricsFile> open(const std::string& path);

    // Writes one line with the counters `collect` reports, stamped with the current time.
    [[nodiscard]] Result<> write(const Collect& collect);

    const std::string& path() const { return path_; }
    uint64_t lines_written() const { return lines_written_; }

  private:
    MetricsFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

    std::string path_;
    UniqueFd fd_;
    uint64_t lines_written_ = 0;
};

}  // namespace zapotec
