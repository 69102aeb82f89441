// Tests the logger settings of PUT /logger and --log-path/--level: level names, the line
// layout, and logging into a file.
#include "base/log_settings.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../config/temp_dir.hpp"
#include "base/log.hpp"

namespace zapotec {
namespace {

TEST(LogSettings, FirecrackerLevelNames) {
    EXPECT_EQ(parse_log_level("Error"), spdlog::level::err);
    EXPECT_EQ(parse_log_level("Warning"), spdlog::level::warn);
    EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
    EXPECT_EQ(parse_log_level("INFO"), spdlog::level::info);
    EXPECT_EQ(parse_log_level("Debug"), spdlog::level::debug);
    EXPECT_EQ(parse_log_level("Trace"), spdlog::level::trace);
    EXPECT_EQ(parse_log_level("Off"), spdlog::level::off);
    auto bad = parse_log_level("Verbose");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().message(),
              "unknown log level \"Verbose\" (expected Error, Warning, Info, Debug, Trace or Off)");
}

TEST(LogSettings, Pattern) {
    LogSettings settings;
    settings.instance_id = "vm-1";
    EXPECT_EQ(log_pattern(settings), "%Y-%m-%dT%H:%M:%S.%F [vm-1:%t] %v");
    settings.show_level = true;
    settings.show_log_origin = true;
    settings.instance_id = "50%";
    EXPECT_EQ(log_pattern(settings), "%Y-%m-%dT%H:%M:%S.%F [50%%:%t:%l:%@] %v");
}

TEST(LogSettings, LogsIntoAFile) {
    auto previous = spdlog::default_logger();
    test_support::TempDir dir;
    LogSettings settings;
    settings.log_path = dir.path() + "/zapotec.log";
    settings.level = "Info";
    settings.show_level = true;
    ASSERT_TRUE(apply_log_settings(settings).has_value());
    spdlog::debug("hidden");
    spdlog::info("shown {}", 42);
    std::ifstream in(*settings.log_path);
    std::stringstream text;
    text << in.rdbuf();
    spdlog::set_default_logger(previous);
    EXPECT_EQ(text.str().find("hidden"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find(":info] shown 42\n"), std::string::npos) << text.str();

    settings.log_path = dir.path() + "/missing/zapotec.log";
    auto bad = apply_log_settings(settings);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(spdlog::default_logger(), previous) << "a failed change keeps the old logger";
}

}  // namespace
}  // namespace zapotec
