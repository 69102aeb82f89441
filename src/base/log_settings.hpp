// Logger settings as Firecracker's PUT /logger and its --log-path/--level flags give them:
// where log lines go (stderr, or a file or FIFO opened once for appending), the level, and
// whether a line shows its level and its origin in the source.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <spdlog/common.h>

#include "base/error.hpp"

namespace zapotec {

struct LogSettings {
    std::optional<std::string> log_path;  // Absent: stderr.
    std::optional<std::string> level;     // Absent: keep the current level.
    bool show_level = false;
    bool show_log_origin = false;
    std::string instance_id = "anonymous-instance";
};

// Firecracker's level names, case-insensitive: Error, Warning (or Warn), Info, Debug, Trace,
// Off. Also accepts Zapotec's --log-level names (error, warn, ...), which are the same.
[[nodiscard]] Result<spdlog::level::level_enum> parse_log_level(std::string_view name);

// The spdlog pattern for these settings, Firecracker's layout:
//   2024-01-01T12:00:00.123456789 [anonymous-instance:main:info:file.cpp:42] message
// where ":info" needs show_level and ":file.cpp:42" show_log_origin.
[[nodiscard]] std::string log_pattern(const LogSettings& settings);

// Replaces the default logger with one that follows `settings`. Nothing changes when the
// level is invalid or the log file cannot be opened.
[[nodiscard]] Result<> apply_log_settings(const LogSettings& settings);

}  // namespace zapotec
