// Serializes VmConfig and its parts with Firecracker's field names, the inverse of the
// config-file parsers (src/config/*_json.cpp).
#include "api/vm_config_json.hpp"

#include <fmt/core.h>

namespace zapotec::api {

namespace {

using nlohmann::json;

const char* cache_type_name(CacheType type) {
    return type == CacheType::kWriteback ? "Writeback" : "Unsafe";
}

const char* io_engine_name(IoEngine engine) {
    return engine == IoEngine::kAsync ? "Async" : "Sync";
}

const char* cpu_template_name(CpuTemplate cpu_template) {
    switch (cpu_template) {
        case CpuTemplate::kNone:
            return "None";
        case CpuTemplate::kC3:
            return "C3";
        case CpuTemplate::kT2:
            return "T2";
        case CpuTemplate::kT2S:
            return "T2S";
        case CpuTemplate::kT2CL:
            return "T2CL";
        case CpuTemplate::kT2A:
            return "T2A";
    }
    return "None";
}

const char* huge_pages_name(HugePages pages) {
    switch (pages) {
        case HugePages::kNone:
            return "None";
        case HugePages::kTransparent:
            return "Transparent";
        case HugePages::kHugetlbfs2M:
            return "2M";
    }
    return "None";
}

json token_bucket_json(const TokenBucketConfig& bucket) {
    json value = {{"size", bucket.size}, {"refill_time", bucket.refill_time_ms}};
    if (bucket.one_time_burst)
        value["one_time_burst"] = *bucket.one_time_burst;
    return value;
}

json rate_limiter_json(const RateLimiterConfig& limiter) {
    json value = json::object();
    if (limiter.bandwidth)
        value["bandwidth"] = token_bucket_json(*limiter.bandwidth);
    if (limiter.ops)
        value["ops"] = token_bucket_json(*limiter.ops);
    return value;
}

json drive_json(const DriveConfig& drive) {
    json value = {{"drive_id", drive.drive_id},
                  {"path_on_host", drive.path_on_host},
                  {"is_root_device", drive.is_root_device},
                  {"is_read_only", drive.is_read_only},
                  {"cache_type", cache_type_name(drive.cache_type)},
                  {"io_engine", io_engine_name(drive.io_engine)}};
    if (drive.partuuid)
        value["partuuid"] = *drive.partuuid;
    if (drive.rate_limiter)
        value["rate_limiter"] = rate_limiter_json(*drive.rate_limiter);
    return value;
}

std::string mac_text(const MacAddress& mac) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3],
                       mac[4], mac[5]);
}

json network_interface_json(const NetworkInterfaceConfig& iface) {
    json value = {{"iface_id", iface.iface_id}, {"host_dev_name", iface.host_dev_name}};
    if (iface.guest_mac)
        value["guest_mac"] = mac_text(*iface.guest_mac);
    if (iface.mtu)
        value["mtu"] = *iface.mtu;
    if (iface.rx_rate_limiter)
        value["rx_rate_limiter"] = rate_limiter_json(*iface.rx_rate_limiter);
    if (iface.tx_rate_limiter)
        value["tx_rate_limiter"] = rate_limiter_json(*iface.tx_rate_limiter);
    return value;
}

json boot_source_json(const BootSourceConfig& boot) {
    json value = {{"kernel_image_path", boot.kernel_image_path}, {"boot_args", boot.boot_args}};
    if (boot.initrd_path)
        value["initrd_path"] = *boot.initrd_path;
    return value;
}

}  // namespace

json machine_config_json(const MachineConfig& machine) {
    return {{"vcpu_count", machine.vcpu_count},
            {"mem_size_mib", machine.mem_size_mib},
            {"smt", machine.smt},
            {"track_dirty_pages", machine.track_dirty_pages},
            {"cpu_template", cpu_template_name(machine.cpu_template)},
            {"huge_pages", huge_pages_name(machine.huge_pages)}};
}

json vm_config_json(const VmConfig& config) {
    json drives = json::array();
    for (const DriveConfig& drive : config.drives)
        drives.push_back(drive_json(drive));
    json interfaces = json::array();
    for (const NetworkInterfaceConfig& iface : config.network_interfaces)
        interfaces.push_back(network_interface_json(iface));
    json value = {{"boot-source", boot_source_json(config.boot_source)},
                  {"machine-config", machine_config_json(config.machine)},
                  {"drives", std::move(drives)},
                  {"network-interfaces", std::move(interfaces)}};
    if (config.entropy.enabled) {
        json entropy = json::object();
        if (config.entropy.rate_limiter)
            entropy["rate_limiter"] = rate_limiter_json(*config.entropy.rate_limiter);
        value["entropy"] = std::move(entropy);
    }
    return value;
}

const char* vm_state_name(VmState state) {
    switch (state) {
        case VmState::kNotStarted:
            return "Not started";
        case VmState::kRunning:
            return "Running";
        case VmState::kPaused:
            return "Paused";
        case VmState::kStopped:
            return "Stopped";
    }
    return "Not started";
}

json instance_info_json(const InstanceInfo& info) {
    return {{"id", info.id},
            {"state", vm_state_name(info.state)},
            {"vmm_version", info.vmm_version},
            {"app_name", info.app_name}};
}

std::string dump_json(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace zapotec::api
