// A VmControl that records every call, for the API tests and the API fuzz targets. `fail_with`
// makes every state-changing call fail with that message.
#pragma once

#include <string>
#include <vector>

#include "vmm/vm_control.hpp"

namespace zapotec::api::testing {

class FakeVmControl : public VmControl {
  public:
    InstanceInfo instance_info() const override {
        InstanceInfo info;
        info.state = state;
        info.vmm_version = "1.2.3";
        return info;
    }
    VmConfig vm_config() const override { return config; }
    MachineConfig machine_config() const override { return config.machine; }

    Result<> put_boot_source(BootSourceConfig value) override {
        config.boot_source = value;
        return record("put_boot_source");
    }
    Result<> put_machine_config(MachineConfig value) override {
        config.machine = value;
        return record("put_machine_config");
    }
    Result<> patch_machine_config(const MachineConfigPatch& patch) override {
        machine_patch = patch;
        return record("patch_machine_config");
    }
    Result<> put_drive(DriveConfig value) override {
        config.drives.push_back(value);
        return record("put_drive");
    }
    Result<> patch_drive(const DrivePatch& patch) override {
        drive_patch = patch;
        return record("patch_drive");
    }
    Result<> put_network_interface(NetworkInterfaceConfig value) override {
        config.network_interfaces.push_back(value);
        return record("put_network_interface");
    }
    Result<> patch_network_interface(const NetworkInterfacePatch& patch) override {
        interface_patch = patch;
        return record("patch_network_interface");
    }
    Result<> put_entropy(EntropyConfig value) override {
        config.entropy = value;
        return record("put_entropy");
    }
    Result<> put_serial(SerialConfig value) override {
        serial = value;
        return record("put_serial");
    }
    Result<> put_logger(LoggerConfig value) override {
        logger = value;
        return record("put_logger");
    }
    Result<> put_metrics(MetricsConfig value) override {
        metrics = value;
        return record("put_metrics");
    }
    Result<> start_instance() override { return record("start_instance"); }
    Result<> send_ctrl_alt_del() override { return record("send_ctrl_alt_del"); }
    Result<> flush_metrics() override { return record("flush_metrics"); }
    Result<> pause() override { return record("pause"); }
    Result<> resume() override { return record("resume"); }
    std::string prometheus_metrics() override { return "zapotec_api_requests_total 3\n"; }
    void count_api_request(const std::string& route, bool failed) override {
        counted.push_back(route + (failed ? " failed" : " ok"));
    }

    std::vector<std::string> calls;
    std::vector<std::string> counted;
    std::string fail_with;
    VmState state = VmState::kNotStarted;
    VmConfig config;
    MachineConfigPatch machine_patch;
    DrivePatch drive_patch;
    NetworkInterfacePatch interface_patch;
    SerialConfig serial;
    LoggerConfig logger;
    MetricsConfig metrics;

  private:
    Result<> record(const std::string& name) {
        calls.push_back(name);
        if (!fail_with.empty())
            return make_error(fail_with);
        return {};
    }
};

}  // namespace zapotec::api::testing
