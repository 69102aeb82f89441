// Applying logger settings: a new default spdlog logger with the chosen sink and pattern.
#include "base/log_settings.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <mutex>

#include "base/append_file.hpp"
#include "base/log.hpp"

namespace zapotec {

namespace {

// Writes each formatted line with one write() to a file opened by open_for_append(), so that
// a FIFO without a reader never blocks the thread that logs. A line that cannot be written
// is dropped: there is nowhere left to report it.
class AppendFileSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit AppendFileSink(UniqueFd fd) : fd_(std::move(fd)) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        spdlog::memory_buf_t line;
        formatter_->format(message, line);
        (void)append_line(fd_.get(), std::string_view(line.data(), line.size()));
    }
    void flush_() override {}

  private:
    UniqueFd fd_;
};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

// '%' starts a pattern flag; the instance id is literal text.
std::string escape_pattern(std::string_view text) {
    std::string out;
    for (char c : text) {
        out += c;
        if (c == '%')
            out += '%';
    }
    return out;
}

}  // namespace

Result<spdlog::level::level_enum> parse_log_level(std::string_view name) {
    std::string key = lower(name);
    if (key == "error")
        return spdlog::level::err;
    if (key == "warning" || key == "warn")
        return spdlog::level::warn;
    if (key == "info")
        return spdlog::level::info;
    if (key == "debug")
        return spdlog::level::debug;
    if (key == "trace")
        return spdlog::level::trace;
    if (key == "off")
        return spdlog::level::off;
    return make_error(
        "unknown log level \"{}\" (expected Error, Warning, Info, Debug, Trace or Off)", name);
}

std::string log_pattern(const LogSettings& settings) {
    std::string pattern = "%Y-%m-%dT%H:%M:%S.%F [" + escape_pattern(settings.instance_id) + ":%t";
    if (settings.show_level)
        pattern += ":%l";
    // %@ is file:line, empty for a message logged without its source location.
    if (settings.show_log_origin)
        pattern += ":%@";
    return pattern + "] %v";
}

Result<> apply_log_settings(const LogSettings& settings) {
    spdlog::level::level_enum level = spdlog::default_logger()->level();
    if (settings.level)
        level = TRY(parse_log_level(*settings.level));
    spdlog::sink_ptr sink;
    if (settings.log_path)
        sink = std::make_shared<AppendFileSink>(TRY(open_for_append(*settings.log_path)));
    else
        sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>("zapotec", std::move(sink));
    logger->set_pattern(log_pattern(settings));
    logger->set_level(level);
    spdlog::set_default_logger(std::move(logger));
    return {};
}

}  // namespace zapotec
