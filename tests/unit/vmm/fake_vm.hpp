// A VmHandle that records what the controller asks of it, and a factory that builds one:
// drives VmController through a "started" VM without KVM.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vmm/vm_handle.hpp"

namespace zapotec::testing {

// What the fake saw; shared with the test, which outlives the controller's handle.
struct FakeVmLog {
    std::optional<VmConfig> built_config;
    std::optional<BuildOptions> built_options;
    std::vector<std::string> calls;
    std::vector<DriveUpdate> drive_updates;
    // Set: the next call of that name fails with this message.
    std::optional<std::string> fail_start, fail_pause, fail_update, fail_build;
    std::optional<VmExit> exit;
};

class FakeVm final : public VmHandle {
  public:
    explicit FakeVm(std::shared_ptr<FakeVmLog> log) : log_(std::move(log)) {}

    Result<> start() override { return call("start", log_->fail_start); }
    Result<> pause() override { return call("pause", log_->fail_pause); }
    Result<> resume() override { return call("resume", std::nullopt); }
    Result<> send_ctrl_alt_del() override { return call("ctrl_alt_del", std::nullopt); }
    Result<> update_drive(const DriveUpdate& update) override {
        TRY(call("update_drive", log_->fail_update));
        log_->drive_updates.push_back(update);
        return {};
    }
    Result<> update_network_interface(const NetworkInterfaceUpdate&) override {
        return call("update_network_interface", log_->fail_update);
    }
    void collect_metrics(MetricsCollector& collector) const override {
        collector.component("vcpu", "0").counter("exits", 7);
    }
    void request_exit(VmExit exit) override {
        log_->calls.push_back("request_exit");
        if (!log_->exit)
            log_->exit = std::move(exit);
    }
    VmExit finish() override {
        log_->calls.push_back("finish");
        return log_->exit.value_or(VmExit{VmExitKind::PowerOff, "powered off"});
    }

  private:
    Result<> call(const std::string& name, const std::optional<std::string>& failure) {
        log_->calls.push_back(name);
        if (failure)
            return make_error(*failure);
        return {};
    }

    std::shared_ptr<FakeVmLog> log_;
};

inline VmFactory fake_vm_factory(std::shared_ptr<FakeVmLog> log) {
    return [log](const VmConfig& config,
                 const BuildOptions& options) -> Result<std::unique_ptr<VmHandle>> {
        if (log->fail_build)
            return make_error(*log->fail_build);
        log->built_config = config;
        log->built_options = options;
        return std::make_unique<FakeVm>(log);
    };
}

}  // namespace zapotec::testing
