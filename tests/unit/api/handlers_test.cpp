// Every endpoint's parsing and validation, with a fake VMM that records the calls.
#include <gtest/gtest.h>

#include "api_test_util.hpp"

namespace zapotec::api::testing {
namespace {

constexpr const char* kPrefix = "An error occurred when deserializing the json body of a request: ";

std::string body_fault(const std::string& what) {
    return std::string(kPrefix) + what;
}

TEST(ApiHandlers, InstanceInfoAndVersion) {
    FakeVmControl vm;
    vm.state = VmState::kPaused;
    auto response = call(vm, "GET", "/");
    EXPECT_EQ(response.status, 200);
    auto json = nlohmann::json::parse(response.body);
    EXPECT_EQ(json["state"], "Paused");
    EXPECT_EQ(json["id"], "anonymous-instance");
    EXPECT_EQ(json["app_name"], "Zapotec");
    EXPECT_EQ(json["vmm_version"], "1.2.3");
    json = nlohmann::json::parse(call(vm, "GET", "/version").body);
    EXPECT_EQ(json["firecracker_version"], "1.2.3");
    EXPECT_EQ(json["zapotec_version"], "1.2.3");
    EXPECT_EQ(vm.counted, (std::vector<std::string>{"GET / ok", "GET /version ok"}));
}

TEST(ApiHandlers, Actions) {
    FakeVmControl vm;
    EXPECT_EQ(call(vm, "PUT", "/actions", R"({"action_type": "InstanceStart"})").status, 204);
    EXPECT_EQ(call(vm, "PUT", "/actions", R"({"action_type": "SendCtrlAltDel"})").status, 204);
    EXPECT_EQ(call(vm, "PUT", "/actions", R"({"action_type": "FlushMetrics"})").status, 204);
    EXPECT_EQ(vm.calls,
              (std::vector<std::string>{"start_instance", "send_ctrl_alt_del", "flush_metrics"}));
    auto response = call(vm, "PUT", "/actions", R"({"action_type": "Reboot"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_NE(fault(response).find("action_type"), std::string::npos);
    EXPECT_EQ(fault(call(vm, "PUT", "/actions", R"({"action_type": "FlushMetrics", "x": 1})")),
              body_fault("x: unknown field"));
    EXPECT_EQ(fault(call(vm, "PUT", "/actions", "{}")),
              body_fault("action_type: missing required field"));
    EXPECT_NE(fault(call(vm, "PUT", "/actions", "{\"action_type\": ")).find("invalid JSON"),
              std::string::npos);
    EXPECT_EQ(vm.calls.size(), 3u);
}

TEST(ApiHandlers, BootSource) {
    FakeVmControl vm;
    EXPECT_EQ(call(vm, "PUT", "/boot-source",
                   R"({"kernel_image_path": "vmlinuz", "boot_args": "console=ttyS0"})")
                  .status,
              204);
    EXPECT_EQ(vm.config.boot_source.kernel_image_path, "vmlinuz");
    EXPECT_EQ(fault(call(vm, "PUT", "/boot-source", R"({"kernel_image_path": 5})")),
              body_fault("kernel_image_path: expected a string, got unsigned integer"));
    EXPECT_EQ(fault(call(vm, "PUT", "/boot-source", "[]")),
              body_fault("top level: expected an object, got array"));
    EXPECT_NE(fault(call(vm, "PUT", "/boot-source",
                         R"({"kernel_image_path": "a", "kernel_image_path": "b"})"))
                  .find("duplicate"),
              std::string::npos);
    EXPECT_EQ(vm.calls.size(), 1u);
}

TEST(ApiHandlers, PutDrive) {
    FakeVmControl vm;
    std::string good =
        R"({"drive_id": "rootfs", "path_on_host": "rootfs.ext4", "is_root_device": true,
            "is_read_only": false, "rate_limiter": {"bandwidth": {"size": 1, "refill_time": 2}}})";
    EXPECT_EQ(call(vm, "PUT", "/drives/rootfs", good).status, 204);
    ASSERT_EQ(vm.config.drives.size(), 1u);
    EXPECT_TRUE(vm.config.drives[0].is_root_device);
    EXPECT_EQ(vm.config.drives[0].rate_limiter->bandwidth->refill_time_ms, 2u);
    EXPECT_EQ(fault(call(vm, "PUT", "/drives/other", good)),
              "The id from the path does not match the id from the body!");
    EXPECT_EQ(
        fault(call(vm, "PUT", "/drives/rootfs", R"({"drive_id": "rootfs", "path_on_host": "x"})")),
        body_fault("is_root_device: missing required field"));
    EXPECT_EQ(
        fault(call(vm, "PUT", "/drives/rootfs",
                   R"({"drive_id": "rootfs", "path_on_host": "x", "is_root_device": "yes"})")),
        body_fault("is_root_device: expected a boolean, got string"));
    EXPECT_EQ(
        fault(call(vm, "PUT", "/drives/rootfs",
                   R"({"drive_id": "rootfs", "path_on_host": "x", "is_root_device": true,
                       "rate_limiter": {"ops": {"size": -1, "refill_time": 1}}})")),
        body_fault("rate_limiter.ops.size: expected an unsigned integer, got negative integer"));
    EXPECT_EQ(vm.calls.size(), 1u);
}

TEST(ApiHandlers, PatchDrive) {
    FakeVmControl vm;
    EXPECT_EQ(
        call(vm, "PATCH", "/drives/rootfs", R"({"drive_id": "rootfs", "path_on_host": "new.ext4"})")
            .status,
        204);
    EXPECT_EQ(vm.drive_patch.drive_id, "rootfs");
    EXPECT_EQ(vm.drive_patch.path_on_host, "new.ext4");
    EXPECT_FALSE(vm.drive_patch.rate_limiter);
    EXPECT_EQ(
        call(vm, "PATCH", "/drives/rootfs",
             R"({"drive_id": "rootfs", "rate_limiter": {"ops": {"size": 5, "refill_time": 100}}})")
            .status,
        204);
    EXPECT_EQ(vm.drive_patch.rate_limiter->ops->size, 5u);
    // PATCH accepts only drive_id, path_on_host and rate_limiter.
    EXPECT_EQ(fault(call(vm, "PATCH", "/drives/rootfs",
                         R"({"drive_id": "rootfs", "is_read_only": true})")),
              body_fault("is_read_only: unknown field"));
    EXPECT_EQ(fault(call(vm, "PATCH", "/drives/b", R"({"drive_id": "rootfs"})")),
              "The id from the path does not match the id from the body!");
    EXPECT_EQ(vm.calls.size(), 2u);
}

TEST(ApiHandlers, MachineConfig) {
    FakeVmControl vm;
    EXPECT_EQ(
        call(vm, "PUT", "/machine-config", R"({"vcpu_count": 2, "mem_size_mib": 256})").status,
        204);
    EXPECT_EQ(vm.config.machine.vcpu_count, 2u);
    auto response = call(vm, "GET", "/machine-config");
    EXPECT_EQ(response.status, 200);
    auto json = nlohmann::json::parse(response.body);
    EXPECT_EQ(json["vcpu_count"], 2);
    EXPECT_EQ(json["mem_size_mib"], 256);
    EXPECT_EQ(json["smt"], false);
    EXPECT_EQ(json["huge_pages"], "None");
    EXPECT_EQ(fault(call(vm, "PUT", "/machine-config", R"({"vcpu_count": 2})")),
              body_fault("mem_size_mib: missing required field"));
    EXPECT_EQ(fault(call(vm, "PUT", "/machine-config",
                         R"({"vcpu_count": 4294967296, "mem_size_mib": 1})")),
              body_fault("vcpu_count: 4294967296 is too large (at most 4294967295)"));

    // PATCH: every field optional, only the given ones in the patch.
    EXPECT_EQ(call(vm, "PATCH", "/machine-config", R"({"mem_size_mib": 512})").status, 204);
    EXPECT_FALSE(vm.machine_patch.vcpu_count);
    EXPECT_EQ(vm.machine_patch.mem_size_mib, 512u);
    EXPECT_EQ(call(vm, "PATCH", "/machine-config",
                   R"({"vcpu_count": null, "smt": true, "huge_pages": "2M"})")
                  .status,
              204);
    EXPECT_FALSE(vm.machine_patch.vcpu_count);
    EXPECT_EQ(vm.machine_patch.smt, true);
    EXPECT_EQ(vm.machine_patch.huge_pages, HugePages::kHugetlbfs2M);
    EXPECT_EQ(call(vm, "PATCH", "/machine-config", "{}").status, 204);
    EXPECT_EQ(fault(call(vm, "PATCH", "/machine-config", R"({"vcpus": 2})")),
              body_fault("vcpus: unknown field"));
    EXPECT_EQ(fault(call(vm, "PATCH", "/machine-config", R"({"cpu_template": "V1N1"})"))
                  .rfind(body_fault("cpu_template:"), 0),
              0u);
    EXPECT_EQ(fault(call(vm, "PATCH", "/machine-config", "3")),
              body_fault("top level: expected an object, got unsigned integer"));
    EXPECT_EQ(vm.calls, (std::vector<std::string>{"put_machine_config", "patch_machine_config",
                                                  "patch_machine_config", "patch_machine_config"}));
}

TEST(ApiHandlers, NetworkInterfaces) {
    FakeVmControl vm;
    EXPECT_EQ(
        call(vm, "PUT", "/network-interfaces/eth0",
             R"({"iface_id": "eth0", "host_dev_name": "tap0", "guest_mac": "06:00:c0:a8:00:02"})")
            .status,
        204);
    ASSERT_EQ(vm.config.network_interfaces.size(), 1u);
    EXPECT_EQ((*vm.config.network_interfaces[0].guest_mac)[5], 2);
    EXPECT_EQ(fault(call(vm, "PUT", "/network-interfaces/eth1",
                         R"({"iface_id": "eth0", "host_dev_name": "tap0"})")),
              "The id from the path [eth1] does not match the id from the body [eth0]!");
    EXPECT_NE(fault(call(vm, "PUT", "/network-interfaces/eth0",
                         R"({"iface_id": "eth0", "host_dev_name": "tap0", "guest_mac": "zz"})"))
                  .find("guest_mac"),
              std::string::npos);
    EXPECT_EQ(
        call(
            vm, "PATCH", "/network-interfaces/eth0",
            R"({"iface_id": "eth0", "rx_rate_limiter": {"bandwidth": {"size": 10, "refill_time": 5}}})")
            .status,
        204);
    EXPECT_EQ(vm.interface_patch.rx_rate_limiter->bandwidth->size, 10u);
    EXPECT_FALSE(vm.interface_patch.tx_rate_limiter);
    EXPECT_EQ(fault(call(vm, "PATCH", "/network-interfaces/eth0",
                         R"({"iface_id": "eth0", "host_dev_name": "tap1"})")),
              body_fault("host_dev_name: unknown field"));
    EXPECT_EQ(vm.calls.size(), 2u);
}

TEST(ApiHandlers, VmStateAndConfig) {
    FakeVmControl vm;
    EXPECT_EQ(call(vm, "PATCH", "/vm", R"({"state": "Paused"})").status, 204);
    EXPECT_EQ(call(vm, "PATCH", "/vm", R"({"state": "Resumed"})").status, 204);
    EXPECT_EQ(vm.calls, (std::vector<std::string>{"pause", "resume"}));
    EXPECT_NE(fault(call(vm, "PATCH", "/vm", R"({"state": "paused"})")).find("state"),
              std::string::npos);
    EXPECT_EQ(fault(call(vm, "PUT", "/vm", R"({"state": "Paused"})")),
              "Invalid request method and/or path: PUT /vm.");

    vm.config.boot_source.kernel_image_path = "vmlinuz";
    vm.config.drives.push_back(
        DriveConfig{.drive_id = "root", .path_on_host = "r.ext4", .is_root_device = true});
    vm.config.entropy.enabled = true;
    auto response = call(vm, "GET", "/vm/config");
    EXPECT_EQ(response.status, 200);
    auto json = nlohmann::json::parse(response.body);
    EXPECT_EQ(json["boot-source"]["kernel_image_path"], "vmlinuz");
    EXPECT_EQ(json["drives"][0]["drive_id"], "root");
    EXPECT_EQ(json["drives"][0]["cache_type"], "Unsafe");
    EXPECT_EQ(json["machine-config"]["vcpu_count"], 1);
    EXPECT_TRUE(json["network-interfaces"].is_array());
    EXPECT_TRUE(json["entropy"].is_object());
}

TEST(ApiHandlers, Logger) {
    FakeVmControl vm;
    EXPECT_EQ(call(vm, "PUT", "/logger",
                   R"({"log_path": "/tmp/log", "level": "warning", "show_level": true})")
                  .status,
              204);
    EXPECT_EQ(vm.logger.level, "Warning");
    EXPECT_EQ(vm.logger.log_path, "/tmp/log");
    EXPECT_EQ(vm.logger.show_level, true);
    EXPECT_FALSE(vm.logger.module);
    EXPECT_EQ(fault(call(vm, "PUT", "/logger", R"({"level": "Loud"})")),
              body_fault("level: \"Loud\" is not one of Error, Warning, Info, Debug, Trace, Off"));
    EXPECT_EQ(fault(call(vm, "PUT", "/logger", R"({"show_log_origin": 1})")),
              body_fault("show_log_origin: expected a boolean, got unsigned integer"));
}

TEST(ApiHandlers, Metrics) {
    FakeVmControl vm;
    EXPECT_EQ(call(vm, "PUT", "/metrics", R"({"metrics_path": "/tmp/m"})").status, 204);
    EXPECT_EQ(vm.metrics.metrics_path, "/tmp/m");
    EXPECT_EQ(fault(call(vm, "PUT", "/metrics", "{}")),
              body_fault("metrics_path: missing required field"));
    auto response = call(vm, "GET", "/metrics");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "text/plain; version=0.0.4");
    EXPECT_EQ(response.body, "zapotec_api_requests_total 3\n");
}

TEST(ApiHandlers, EntropyAndSerial) {
    FakeVmControl vm;
    EXPECT_EQ(call(vm, "PUT", "/entropy", "{}").status, 204);
    EXPECT_TRUE(vm.config.entropy.enabled);
    EXPECT_EQ(call(vm, "PUT", "/entropy",
                   R"({"rate_limiter": {"bandwidth": {"size": 1000, "refill_time": 10}}})")
                  .status,
              204);
    EXPECT_EQ(vm.config.entropy.rate_limiter->bandwidth->size, 1000u);
    EXPECT_EQ(fault(call(vm, "PUT", "/entropy", R"({"rate_limiter": {"bandwith": {}}})")),
              body_fault("rate_limiter.bandwith: unknown field (did you mean bandwidth?)"));
    EXPECT_EQ(call(vm, "PUT", "/serial", R"({"serial_out_path": "/tmp/serial"})").status, 204);
    EXPECT_EQ(vm.serial.serial_out_path, "/tmp/serial");
    EXPECT_EQ(fault(call(vm, "PUT", "/serial", R"({"rate_limiter": {}})")),
              body_fault("rate_limiter: unknown field"));
}

}  // namespace
}  // namespace zapotec::api::testing
