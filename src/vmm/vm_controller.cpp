// VmController: the pre-boot configuration requests (PUT and PATCH before InstanceStart).
#include "vmm/vm_controller.hpp"

#include <algorithm>

#include "base/log_settings.hpp"
#include "config/host_resources.hpp"
#include "config/validate.hpp"

namespace zapotec {

namespace {

// Stands in for the kernel while no boot source is set, so that the rest of the
// configuration can be validated on its own; it is never stored.
constexpr std::string_view kNoKernelYet = "(no boot source yet)";

// Firecracker's PATCH semantics for a rate limiter: the buckets given replace the old ones,
// the others stay.
void merge_rate_limiter(std::optional<RateLimiterConfig>& stored,
                        const std::optional<RateLimiterConfig>& patch) {
    if (!patch)
        return;
    if (!stored) {
        stored = patch;
        return;
    }
    if (patch->bandwidth)
        stored->bandwidth = patch->bandwidth;
    if (patch->ops)
        stored->ops = patch->ops;
}

template <class T, class Id>
T* find_by_id(std::vector<T>& items, const std::string& id, Id T::*field) {
    auto it =
        std::find_if(items.begin(), items.end(), [&](const T& item) { return item.*field == id; });
    return it == items.end() ? nullptr : &*it;
}

}  // namespace

VmController::VmController(ControllerOptions options) : options_(std::move(options)) {
    if (!options_.factory)
        options_.factory = vmm_factory();
    // Firecracker's default machine: 1 vCPU and 128 MiB.
    config_.machine.vcpu_count = 1;
    config_.machine.mem_size_mib = 128;
}

VmController::~VmController() = default;

Result<> VmController::refuse_after_start() const {
    if (state_.started())
        return make_error(std::string(kNotSupportedAfterStart));
    return {};
}

Result<> VmController::commit(VmConfig candidate, bool has_boot_source) {
    BootSourceConfig boot = candidate.boot_source;
    if (!has_boot_source)
        candidate.boot_source.kernel_image_path = std::string(kNoKernelYet);
    VmConfig valid = TRY(validate_vm_config(std::move(candidate)));
    valid.boot_source = std::move(boot);
    config_ = std::move(valid);
    has_boot_source_ = has_boot_source;
    return {};
}

Result<> VmController::load_config(VmConfig config) {
    TRY(refuse_after_start());
    if (options_.check_host_resources)
        TRY(check_host_resources(config));
    return commit(std::move(config), true);
}

InstanceInfo VmController::instance_info() const {
    InstanceInfo info;
    info.id = options_.instance_id;
    info.state = state_.state();
    info.vmm_version = ZAPOTEC_VERSION;
    info.app_name = "Zapotec";
    return info;
}

VmConfig VmController::vm_config() const {
    return config_;
}

MachineConfig VmController::machine_config() const {
    return config_.machine;
}

Result<> VmController::put_boot_source(BootSourceConfig boot) {
    TRY(refuse_after_start());
    VmConfig candidate = config_;
    candidate.boot_source = std::move(boot);
    if (options_.check_host_resources) {
        // The kernel and initrd must be readable now, as Firecracker checks on this request;
        // drives and memory are checked again on InstanceStart.
        VmConfig files_only;
        files_only.boot_source = candidate.boot_source;
        files_only.machine = candidate.machine;
        TRY(check_host_resources(files_only));
    }
    return commit(std::move(candidate), true);
}

Result<> VmController::put_machine_config(MachineConfig machine) {
    TRY(refuse_after_start());
    VmConfig candidate = config_;
    candidate.machine = machine;
    return commit(std::move(candidate), has_boot_source_);
}

Result<> VmController::patch_machine_config(const MachineConfigPatch& patch) {
    TRY(refuse_after_start());
    VmConfig candidate = config_;
    MachineConfig& machine = candidate.machine;
    machine.vcpu_count = patch.vcpu_count.value_or(machine.vcpu_count);
    machine.mem_size_mib = patch.mem_size_mib.value_or(machine.mem_size_mib);
    machine.smt = patch.smt.value_or(machine.smt);
    machine.track_dirty_pages = patch.track_dirty_pages.value_or(machine.track_dirty_pages);
    machine.cpu_template = patch.cpu_template.value_or(machine.cpu_template);
    machine.huge_pages = patch.huge_pages.value_or(machine.huge_pages);
    return commit(std::move(candidate), has_boot_source_);
}

Result<> VmController::put_drive(DriveConfig drive) {
    TRY(refuse_after_start());
    VmConfig candidate = config_;
    if (DriveConfig* existing =
            find_by_id(candidate.drives, drive.drive_id, &DriveConfig::drive_id))
        *existing = std::move(drive);
    else
        candidate.drives.push_back(std::move(drive));
    return commit(std::move(candidate), has_boot_source_);
}

Result<> VmController::patch_drive(const DrivePatch& patch) {
    VmConfig candidate = config_;
    DriveConfig* drive = find_by_id(candidate.drives, patch.drive_id, &DriveConfig::drive_id);
    if (drive == nullptr)
        return make_error("drive_id: no drive has the id \"{}\"", patch.drive_id);
    if (patch.path_on_host)
        drive->path_on_host = *patch.path_on_host;
    merge_rate_limiter(drive->rate_limiter, patch.rate_limiter);
    if (!state_.started())
        return commit(std::move(candidate), has_boot_source_);
    if (state_.state() == VmState::kStopped)
        return make_error("cannot update drive \"{}\": the microVM has stopped", patch.drive_id);
    // Validate first, so that the running device only sees a change that will be stored.
    VmConfig valid = TRY(validate_vm_config(std::move(candidate)));
    TRY(vm_->update_drive(DriveUpdate{patch.drive_id, patch.path_on_host, patch.rate_limiter}));
    config_ = std::move(valid);
    return {};
}

Result<> VmController::put_network_interface(NetworkInterfaceConfig iface) {
    TRY(refuse_after_start());
    VmConfig candidate = config_;
    if (NetworkInterfaceConfig* existing = find_by_id(candidate.network_interfaces, iface.iface_id,
                                                      &NetworkInterfaceConfig::iface_id))
        *existing = std::move(iface);
    else
        candidate.network_interfaces.push_back(std::move(iface));
    return commit(std::move(candidate), has_boot_source_);
}

Result<> VmController::patch_network_interface(const NetworkInterfacePatch& patch) {
    VmConfig candidate = config_;
    NetworkInterfaceConfig* iface =
        find_by_id(candidate.network_interfaces, patch.iface_id, &NetworkInterfaceConfig::iface_id);
    if (iface == nullptr)
        return make_error("iface_id: no network interface has the id \"{}\"", patch.iface_id);
    merge_rate_limiter(iface->rx_rate_limiter, patch.rx_rate_limiter);
    merge_rate_limiter(iface->tx_rate_limiter, patch.tx_rate_limiter);
    if (!state_.started())
        return commit(std::move(candidate), has_boot_source_);
    if (state_.state() == VmState::kStopped)
        return make_error("cannot update network interface \"{}\": the microVM has stopped",
                          patch.iface_id);
    VmConfig valid = TRY(validate_vm_config(std::move(candidate)));
    TRY(vm_->update_network_interface(
        NetworkInterfaceUpdate{patch.iface_id, patch.rx_rate_limiter, patch.tx_rate_limiter}));
    config_ = std::move(valid);
    return {};
}

Result<> VmController::put_entropy(EntropyConfig entropy) {
    TRY(refuse_after_start());
    VmConfig candidate = config_;
    entropy.enabled = true;
    candidate.entropy = std::move(entropy);
    return commit(std::move(candidate), has_boot_source_);
}

Result<> VmController::put_serial(SerialConfig serial) {
    TRY(refuse_after_start());
    if (serial.serial_out_path && serial.serial_out_path->empty())
        return make_error("serial_out_path: must not be empty");
    serial_out_path_ = std::move(serial.serial_out_path);
    return {};
}

Result<> VmController::put_logger(LoggerConfig logger) {
    TRY(refuse_after_start());
    if (logger.module)
        return make_error("module: filtering by module is not supported");
    LogSettings settings;
    settings.log_path = std::move(logger.log_path);
    settings.level = std::move(logger.level);
    settings.show_level = logger.show_level.value_or(false);
    settings.show_log_origin = logger.show_log_origin.value_or(false);
    settings.instance_id = options_.instance_id;
    return apply_log_settings(settings);
}

}  // namespace zapotec
