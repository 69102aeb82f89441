// Tests the metrics writers: the JSON line parses back, Prometheus lines have their # TYPE
// lines and escaped labels, the metrics file appends whole lines, and the periodic flusher
// fires on the loop.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../config/temp_dir.hpp"
#include "metrics/json_metrics_writer.hpp"
#include "metrics/metrics_file.hpp"
#include "metrics/periodic_flusher.hpp"
#include "metrics/prometheus_writer.hpp"

namespace zapotec {
namespace {

void report_some(MetricsCollector& collector) {
    MetricSink& vcpu0 = collector.component("vcpu", "0");
    vcpu0.counter("exit_io", 12);
    vcpu0.counter("exit_mmio", 3);
    collector.component("vcpu", "1").counter("exit_io", 5);
    collector.component("block", "rootfs").gauge("queue_depth", 2);
    collector.component("vmm", "").counter("uptime_ms", 99);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(JsonMetricsWriter, OneLineThatParsesBack) {
    JsonMetricsWriter writer;
    report_some(writer);
    std::string line = writer.line(1700000000123);
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "exactly one line";
    EXPECT_TRUE(line.starts_with("{\"utc_timestamp_ms\":1700000000123")) << line;
    auto json = nlohmann::json::parse(line);
    EXPECT_EQ(json["vcpu"]["0"]["exit_io"], 12);
    EXPECT_EQ(json["vcpu"]["0"]["exit_mmio"], 3);
    EXPECT_EQ(json["vcpu"]["1"]["exit_io"], 5);
    EXPECT_EQ(json["block"]["rootfs"]["queue_depth"], 2);
    EXPECT_EQ(json["vmm"]["uptime_ms"], 99) << "an empty id puts the counters under the kind";
}

TEST(JsonMetricsWriter, EmptyCollectionIsJustTheTimestamp) {
    JsonMetricsWriter writer;
    EXPECT_EQ(writer.line(5), "{\"utc_timestamp_ms\":5}\n");
    EXPECT_GT(utc_timestamp_ms(), 1'600'000'000'000u);
}

TEST(PrometheusWriter, TypeLinesAndSamples) {
    PrometheusWriter writer;
    report_some(writer);
    EXPECT_EQ(writer.text(),
              "# TYPE zapotec_block_queue_depth gauge\n"
              "zapotec_block_queue_depth{id=\"rootfs\"} 2\n"
              "# TYPE zapotec_vcpu_exit_io counter\n"
              "zapotec_vcpu_exit_io{id=\"0\"} 12\n"
              "zapotec_vcpu_exit_io{id=\"1\"} 5\n"
              "# TYPE zapotec_vcpu_exit_mmio counter\n"
              "zapotec_vcpu_exit_mmio{id=\"0\"} 3\n"
              "# TYPE zapotec_vmm_uptime_ms counter\n"
              "zapotec_vmm_uptime_ms{id=\"\"} 99\n");
}

TEST(PrometheusWriter, NamesAndLabelsAreSanitized) {
    PrometheusWriter writer;
    writer.component("api", "PUT /drives \"x\"\\\n").counter("requests-total", 1);
    EXPECT_EQ(writer.text(),
              "# TYPE zapotec_api_requests_total counter\n"
              "zapotec_api_requests_total{id=\"PUT /drives \\\"x\\\"\\\\\\n\"} 1\n");
    EXPECT_EQ(prometheus_name("a.b-c d9"), "a_b_c_d9");
}

TEST(MetricsFile, AppendsOneLinePerWrite) {
    test_support::TempDir dir;
    std::string path = dir.write("metrics.json", "existing line\n");
    auto file = MetricsFile::open(path);
    ASSERT_TRUE(file.has_value()) << file.error().message();
    ASSERT_TRUE(file->write(report_some).has_value());
    ASSERT_TRUE(file->write(report_some).has_value());
    EXPECT_EQ(file->lines_written(), 2u);
    std::istringstream lines(read_file(path));
    std::string line;
    std::getline(lines, line);
    EXPECT_EQ(line, "existing line") << "opened for appending, not truncated";
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(std::getline(lines, line));
        EXPECT_EQ(nlohmann::json::parse(line)["vcpu"]["1"]["exit_io"], 5);
    }
    EXPECT_FALSE(std::getline(lines, line));
}

TEST(MetricsFile, CreatesAMissingFileAndNamesABadPath) {
    test_support::TempDir dir;
    auto created = MetricsFile::open(dir.path() + "/new.json");
    ASSERT_TRUE(created.has_value());
    auto bad = MetricsFile::open(dir.path() + "/no/such/dir/m.json");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().message(),
              "cannot open " + dir.path() + "/no/such/dir/m.json: No such file or directory");
    EXPECT_FALSE(MetricsFile::open("").has_value());
}

TEST(MetricsFile, FifoWithoutAReaderDoesNotBlock) {
    test_support::TempDir dir;
    std::string path = dir.path() + "/metrics.fifo";
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    auto file = MetricsFile::open(path);
    ASSERT_TRUE(file.has_value()) << file.error().message();
    EXPECT_TRUE(file->write(report_some).has_value()) << "the pipe buffer takes the line";
}

TEST(PeriodicFlusher, FiresOnTheLoop) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.has_value());
    int flushes = 0;
    auto flusher = PeriodicFlusher::start(**loop, std::chrono::milliseconds(5), [&] { ++flushes; });
    ASSERT_TRUE(flusher.has_value()) << flusher.error().message();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (flushes < 2 && std::chrono::steady_clock::now() < deadline)
        ASSERT_TRUE((*loop)->run_once(100).has_value());
    EXPECT_GE(flushes, 2);
    flusher->reset();
    EXPECT_FALSE(PeriodicFlusher::start(**loop, std::chrono::milliseconds(0), [] {}).has_value());
}

}  // namespace
}  // namespace zapotec
