// The API's view of the VMM: keeps the pre-boot configuration, applies PUT and PATCH
// requests to a copy that must validate before it replaces the stored one, starts the VM on
// InstanceStart, and moves it through the lifecycle (vm_state.hpp). It also owns the
// metrics file and its periodic flush, and counts API requests.
//
// Threads: every method runs on the event loop thread (the API server posts requests there).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/log_limiter.hpp"
#include "metrics/metrics_file.hpp"
#include "metrics/periodic_flusher.hpp"
#include "vmm/vm_control.hpp"
#include "vmm/vm_handle.hpp"
#include "vmm/vm_state.hpp"

namespace zapotec {

// Firecracker's refusal of pre-boot-only requests once the VM runs.
inline constexpr std::string_view kNotSupportedAfterStart =
    "The requested operation is not supported after starting the microVM.";
// Firecracker's refusal of runtime-only requests before the VM runs.
inline constexpr std::string_view kNotSupportedBeforeStart =
    "The requested operation is not supported before starting the microVM.";

struct ControllerOptions {
    std::string instance_id = "anonymous-instance";
    // How the VM is built; `build.event_loop` is the loop the controller runs on, and the
    // metrics timer goes there too.
    BuildOptions build;
    // Empty: vmm_factory() (the real VM).
    VmFactory factory;
    // Whether kernel, initrd and drive files and the host's memory are checked (PUT
    // /boot-source and InstanceStart); tests with made-up paths turn it off.
    bool check_host_resources = true;
    std::chrono::milliseconds metrics_period = PeriodicFlusher::kDefaultPeriod;
};

class VmController final : public VmControl {
  public:
    explicit VmController(ControllerOptions options);
    ~VmController() override;

    // Stores a whole configuration (--config-file, run flags) as if it had come request by
    // request. Before start only.
    [[nodiscard]] Result<> load_config(VmConfig config);
    // Ends the VM (or, before start, the loop) with `exit`; the first request wins.
    void request_exit(VmExit exit);
    // After the loop stopped: stops the VM, writes a last metrics line, and says why it ended.
    [[nodiscard]] VmExit finish();

    InstanceInfo instance_info() const override;
    VmConfig vm_config() const override;
    MachineConfig machine_config() const override;

    Result<> put_boot_source(BootSourceConfig config) override;
    Result<> put_machine_config(MachineConfig config) override;
    Result<> patch_machine_config(const MachineConfigPatch& patch) override;
    Result<> put_drive(DriveConfig config) override;
    Result<> patch_drive(const DrivePatch& patch) override;
    Result<> put_network_interface(NetworkInterfaceConfig config) override;
    Result<> patch_network_interface(const NetworkInterfacePatch& patch) override;
    Result<> put_entropy(EntropyConfig config) override;
    Result<> put_serial(SerialConfig config) override;
    Result<> put_logger(LoggerConfig config) override;
    Result<> put_metrics(MetricsConfig config) override;

    Result<> start_instance() override;
    Result<> send_ctrl_alt_del() override;
    Result<> flush_metrics() override;
    Result<> pause() override;
    Result<> resume() override;

    std::string prometheus_metrics() override;
    void count_api_request(const std::string& route, bool failed) override;

  private:
    struct RequestCount {
        uint64_t requests = 0;
        uint64_t failures = 0;
    };

    [[nodiscard]] Result<> refuse_after_start() const;
    // Validates `candidate` and, when it passes, makes it the stored configuration.
    [[nodiscard]] Result<> commit(VmConfig candidate, bool has_boot_source);
    void collect(MetricsCollector& collector) const;

    ControllerOptions options_;
    VmStateMachine state_;
    VmConfig config_;
    bool has_boot_source_ = false;
    std::optional<std::string> serial_out_path_;
    std::optional<VmExit> pending_exit_;
    std::map<std::string, RequestCount> api_requests_;
    uint64_t metrics_flushes_ = 0;
    uint64_t metrics_flush_failures_ = 0;
    // A FIFO nobody drains fails every period; say so a bounded number of times.
    LogLimiter flush_warnings_;
    std::optional<MetricsFile> metrics_file_;
    // After options_ (which holds the loop) so that it unregisters from a live loop.
    std::unique_ptr<PeriodicFlusher> flusher_;
    std::unique_ptr<VmHandle> vm_;
};

}  // namespace zapotec
