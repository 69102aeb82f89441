// Tests the controller's metrics: PUT /metrics, FlushMetrics and GET /metrics.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../config/temp_dir.hpp"
#include "../vmm/fake_vm.hpp"
#include "vmm/vm_controller.hpp"

namespace zapotec {
namespace {

class ControllerMetrics : public ::testing::Test {
  protected:
    void SetUp() override {
        auto loop = EventLoop::create();
        ASSERT_TRUE(loop.has_value());
        loop_ = std::move(*loop);
        ControllerOptions options;
        options.build.event_loop = loop_;
        options.factory = testing::fake_vm_factory(log_);
        options.check_host_resources = false;
        options.metrics_period = std::chrono::milliseconds(5);
        controller_ = std::make_unique<VmController>(std::move(options));
    }

    std::vector<nlohmann::json> lines(const std::string& path) {
        std::ifstream in(path);
        std::vector<nlohmann::json> parsed;
        for (std::string line; std::getline(in, line);)
            parsed.push_back(nlohmann::json::parse(line));
        return parsed;
    }

    test_support::TempDir dir_;
    std::shared_ptr<testing::FakeVmLog> log_ = std::make_shared<testing::FakeVmLog>();
    std::shared_ptr<EventLoop> loop_;
    std::unique_ptr<VmController> controller_;
};

TEST_F(ControllerMetrics, FlushNeedsPutMetrics) {
    auto flushed = controller_->flush_metrics();
    ASSERT_FALSE(flushed.has_value());
    EXPECT_NE(flushed.error().message().find("not initialized"), std::string::npos)
        << flushed.error().message();
}

TEST_F(ControllerMetrics, FlushWritesTheCountersOfTheVmAndTheApi) {
    std::string path = dir_.path() + "/metrics.json";
    ASSERT_TRUE(controller_->put_metrics({path}).has_value());
    auto again = controller_->put_metrics({path});
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().message(), "Reinitialization of metrics not allowed.");

    controller_->count_api_request("PUT /drives", false);
    controller_->count_api_request("PUT /drives", true);
    ASSERT_TRUE(controller_->put_boot_source({.kernel_image_path = "/k"}).has_value());
    ASSERT_TRUE(controller_->start_instance().has_value());
    ASSERT_TRUE(controller_->flush_metrics().has_value());

    auto written = lines(path);
    ASSERT_EQ(written.size(), 1u);
    EXPECT_TRUE(written[0].contains("utc_timestamp_ms"));
    EXPECT_EQ(written[0]["api"]["PUT /drives"]["requests"], 2);
    EXPECT_EQ(written[0]["api"]["PUT /drives"]["failures"], 1);
    EXPECT_EQ(written[0]["vcpu"]["0"]["exits"], 7) << "the VM's own counters";
    EXPECT_EQ(written[0]["vmm"]["anonymous-instance"]["state"], 1) << "Running";
}

TEST_F(ControllerMetrics, PeriodicFlushAndALastLineAtFinish) {
    std::string path = dir_.path() + "/metrics.json";
    ASSERT_TRUE(controller_->put_metrics({path}).has_value());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (lines(path).empty() && std::chrono::steady_clock::now() < deadline)
        ASSERT_TRUE(loop_->run_once(50).has_value());
    size_t periodic = lines(path).size();
    EXPECT_GE(periodic, 1u);
    (void)controller_->finish();
    EXPECT_EQ(lines(path).size(), periodic + 1);
}

TEST_F(ControllerMetrics, PrometheusTextHasEveryCounter) {
    controller_->count_api_request("GET /", false);
    std::string text = controller_->prometheus_metrics();
    EXPECT_NE(text.find("# TYPE zapotec_api_requests counter\n"), std::string::npos) << text;
    EXPECT_NE(text.find("zapotec_api_requests{id=\"GET /\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("zapotec_api_failures{id=\"GET /\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE zapotec_vmm_state gauge\n"), std::string::npos) << text;
    EXPECT_NE(text.find("zapotec_vmm_state{id=\"anonymous-instance\"} 0\n"), std::string::npos)
        << text;
}

}  // namespace
}  // namespace zapotec
