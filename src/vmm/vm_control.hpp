// What the control API can ask of the VMM. The API server parses and validates a request on
// its own thread, then runs one of these methods on the VMM thread (the event loop thread),
// which is the only thread that changes VM state. An error becomes HTTP 400 with the error's
// message as `fault_message`; success becomes 204 (or 200 with the returned body).
//
// Pre-boot resources (boot source, machine config, drives and network interfaces added with
// PUT, entropy, serial) refuse changes after InstanceStart with Firecracker's message:
// "The requested operation is not supported after starting the microVM."
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec {

// Firecracker's VM states as GET / reports them.
enum class VmState {
    kNotStarted,  // "Not started"
    kRunning,     // "Running"
    kPaused,      // "Paused"
    kStopped,     // The guest powered off or crashed; the process is about to exit.
};

// GET /: Firecracker's InstanceInfo.
struct InstanceInfo {
    std::string id = "anonymous-instance";
    VmState state = VmState::kNotStarted;
    std::string vmm_version;
    std::string app_name = "Zapotec";
};

// PATCH /drives/{id}: Firecracker's PartialDrive.
struct DrivePatch {
    std::string drive_id;
    std::optional<std::string> path_on_host;
    std::optional<RateLimiterConfig> rate_limiter;
};

// PATCH /network-interfaces/{id}: Firecracker's PartialNetworkInterface.
struct NetworkInterfacePatch {
    std::string iface_id;
    std::optional<RateLimiterConfig> rx_rate_limiter;
    std::optional<RateLimiterConfig> tx_rate_limiter;
};

// PATCH /machine-config: every field optional.
struct MachineConfigPatch {
    std::optional<uint32_t> vcpu_count;
    std::optional<uint64_t> mem_size_mib;
    std::optional<bool> smt;
    std::optional<bool> track_dirty_pages;
    std::optional<CpuTemplate> cpu_template;
    std::optional<HugePages> huge_pages;
};

// PUT /logger: Firecracker's Logger.
struct LoggerConfig {
    std::optional<std::string> log_path;  // Absent: keep logging to stderr.
    std::optional<std::string> level;     // Error, Warning, Info, Debug, Trace, Off.
    std::optional<bool> show_level;
    std::optional<bool> show_log_origin;
    std::optional<std::string> module;
};

// PUT /metrics: Firecracker's Metrics.
struct MetricsConfig {
    std::string metrics_path;
};

// PUT /serial: Firecracker's SerialDevice.
struct SerialConfig {
    std::optional<std::string> serial_out_path;
};

class VmControl {
  public:
    virtual ~VmControl() = default;

    virtual InstanceInfo instance_info() const = 0;
    // The whole configuration, as GET /vm/config returns it (Firecracker's FullVmConfiguration).
    virtual VmConfig vm_config() const = 0;
    virtual MachineConfig machine_config() const = 0;

    [[nodiscard]] virtual Result<> put_boot_source(BootSourceConfig config) = 0;
    [[nodiscard]] virtual Result<> put_machine_config(MachineConfig config) = 0;
    [[nodiscard]] virtual Result<> patch_machine_config(const MachineConfigPatch& patch) = 0;
    // PUT /drives/{id}: adds the drive or replaces the one with the same id.
    [[nodiscard]] virtual Result<> put_drive(DriveConfig config) = 0;
    // Before start: updates the stored drive. After start: swaps the backing file and/or
    // updates the rate limiter of the running device.
    [[nodiscard]] virtual Result<> patch_drive(const DrivePatch& patch) = 0;
    [[nodiscard]] virtual Result<> put_network_interface(NetworkInterfaceConfig config) = 0;
    [[nodiscard]] virtual Result<> patch_network_interface(const NetworkInterfacePatch& patch) = 0;
    [[nodiscard]] virtual Result<> put_entropy(EntropyConfig config) = 0;
    [[nodiscard]] virtual Result<> put_serial(SerialConfig config) = 0;
    [[nodiscard]] virtual Result<> put_logger(LoggerConfig config) = 0;
    [[nodiscard]] virtual Result<> put_metrics(MetricsConfig config) = 0;

    // PUT /actions.
    [[nodiscard]] virtual Result<> start_instance() = 0;
    [[nodiscard]] virtual Result<> send_ctrl_alt_del() = 0;
    [[nodiscard]] virtual Result<> flush_metrics() = 0;

    // PATCH /vm {"state": "Paused" | "Resumed"}.
    [[nodiscard]] virtual Result<> pause() = 0;
    [[nodiscard]] virtual Result<> resume() = 0;

    // GET /metrics (Zapotec's extension): every counter, Prometheus text format 0.0.4.
    virtual std::string prometheus_metrics() = 0;
    // Counts one API request for the metrics ("PUT /drives", "GET /", ...), and whether it
    // failed.
    virtual void count_api_request(const std::string& route, bool failed) = 0;
};

}  // namespace zapotec
