// PUT /logger: Firecracker's Logger {log_path, level, show_level, show_log_origin, module}.
#include <algorithm>
#include <array>
#include <cctype>

#include "api/handler_util.hpp"

namespace zapotec::api {

namespace {

// Firecracker reads the level case-insensitively; the VMM gets the canonical spelling.
Result<std::string> parse_level(const config::Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 6> kLevels{"Error", "Warning", "Info",
                                                             "Debug", "Trace",   "Off"};
    std::string text = TRY(config::as_string(value, path));
    for (std::string_view level : kLevels) {
        bool same =
            std::equal(text.begin(), text.end(), level.begin(), level.end(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            });
        if (same)
            return std::string(level);
    }
    return make_error("{}: \"{}\" is not one of Error, Warning, Info, Debug, Trace, Off", path,
                      config::printable(text));
}

Result<LoggerConfig> parse_logger(const config::Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 5> kFields{"log_path", "level", "show_level",
                                                             "show_log_origin", "module"};
    auto object = TRY(config::JsonObject::open(value, path, kFields));
    LoggerConfig logger;
    logger.log_path = TRY(object.optional("log_path", config::as_string));
    logger.level = TRY(object.optional("level", parse_level));
    logger.show_level = TRY(object.optional("show_level", config::as_bool));
    logger.show_log_origin = TRY(object.optional("show_log_origin", config::as_bool));
    logger.module = TRY(object.optional("module", config::as_string));
    return logger;
}

}  // namespace

void add_logger_routes(Router& router) {
    router.add("PUT", "/logger", [](const PathParams&, const std::string& body) -> Result<VmmCall> {
        LoggerConfig logger = TRY(parse_body(body, parse_logger));
        return no_content([logger = std::move(logger)](VmControl& control) {
            return control.put_logger(logger);
        });
    });
}

}  // namespace zapotec::api
