// Semantic checks on a VmConfig, shared by the config-file parser and the command line.
#include "config/validate.hpp"

#include <algorithm>
#include <expected>
#include <map>
#include <optional>
#include <string_view>

#include "config/json_fields.hpp"

namespace zapotec {

namespace {

using config::printable;

// A problem with one field, before the front end has named the field its own way.
struct Problem {
    std::string path;
    std::string text;
};

using Check = std::expected<void, Problem>;

// TRY() for Check, whose error is a Problem rather than an Error.
#define CHECK(expr)                                              \
    do {                                                         \
        if (Check _checked = (expr); !_checked)                  \
            return std::unexpected(std::move(_checked).error()); \
    } while (0)

template <class... Args>
std::unexpected<Problem> problem(std::string path, fmt::format_string<Args...> format,
                                 Args&&... args) {
    return std::unexpected(
        Problem{std::move(path), fmt::format(format, std::forward<Args>(args)...)});
}

// Firecracker's rule for drive and interface ids (its API's checked_id): letters, digits, _.
bool is_valid_id(std::string_view id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    });
}

Check check_id(std::string_view id, const std::string& path) {
    if (!is_valid_id(id))
        return problem(path, "\"{}\" must be non-empty and contain only letters, digits and _",
                       printable(id));
    return {};
}

Check check_not_empty(std::string_view text, const std::string& path) {
    if (text.empty())
        return problem(path, "must not be empty");
    return {};
}

// The kernel command line takes printable ASCII only (as linux-loader's Cmdline).
Check check_command_line_text(std::string_view text, const std::string& path) {
    for (size_t i = 0; i < text.size(); ++i) {
        auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte >= 0x7f)
            return problem(path, "byte 0x{:02x} at offset {} is not printable ASCII", byte, i);
    }
    return {};
}

Check check_token_bucket(const TokenBucketConfig& bucket, const std::string& path) {
    if (bucket.size > 0 && bucket.refill_time_ms == 0)
        return problem(path + ".refill_time", "must not be 0 when size is not 0");
    // The rate limiter works in nanoseconds; keep refill_time * 10^6 within 64 bits.
    constexpr uint64_t kMaxRefillTimeMs = UINT64_MAX / 1'000'000;
    if (bucket.refill_time_ms > kMaxRefillTimeMs)
        return problem(path + ".refill_time", "must be at most {} (ms), got {}", kMaxRefillTimeMs,
                       bucket.refill_time_ms);
    return {};
}

Check check_rate_limiter(const std::optional<RateLimiterConfig>& limiter, const std::string& path) {
    if (!limiter)
        return {};
    if (limiter->bandwidth)
        CHECK(check_token_bucket(*limiter->bandwidth, path + ".bandwidth"));
    if (limiter->ops)
        CHECK(check_token_bucket(*limiter->ops, path + ".ops"));
    return {};
}

Check check_boot_source(const BootSourceConfig& boot) {
    CHECK(check_not_empty(boot.kernel_image_path, "boot-source.kernel_image_path"));
    if (boot.initrd_path)
        CHECK(check_not_empty(*boot.initrd_path, "boot-source.initrd_path"));
    if (boot.boot_args.size() > kMaxBootArgsLength)
        return problem("boot-source.boot_args", "is {} bytes long, more than the limit of {}",
                       boot.boot_args.size(), kMaxBootArgsLength);
    CHECK(check_command_line_text(boot.boot_args, "boot-source.boot_args"));
    return {};
}

Check check_machine(const MachineConfig& machine) {
    if (machine.vcpu_count < 1 || machine.vcpu_count > kMaxVcpuCount)
        return problem("machine-config.vcpu_count", "must be between 1 and {}, got {}",
                       kMaxVcpuCount, machine.vcpu_count);
    // With SMT each core has two threads, so the count must split into whole cores.
    if (machine.smt && machine.vcpu_count > 1 && machine.vcpu_count % 2 != 0)
        return problem("machine-config.vcpu_count", "must be 1 or even when smt is on, got {}",
                       machine.vcpu_count);
    if (machine.mem_size_mib < kMinMemSizeMib || machine.mem_size_mib > kMaxMemSizeMib)
        return problem("machine-config.mem_size_mib", "must be between {} and {} (MiB), got {}",
                       kMinMemSizeMib, kMaxMemSizeMib, machine.mem_size_mib);
    // Firecracker keeps huge-page-backed memory a whole number of 2 MiB pages.
    if (machine.huge_pages != HugePages::kNone && machine.mem_size_mib % 2 != 0)
        return problem("machine-config.mem_size_mib",
                       "must be a multiple of 2 when huge_pages is set, got {}",
                       machine.mem_size_mib);
    return {};
}

Check check_drives(const std::vector<DriveConfig>& drives) {
    std::map<std::string_view, size_t> index_of_id;
    std::optional<size_t> root_index;
    for (size_t i = 0; i < drives.size(); ++i) {
        const DriveConfig& drive = drives[i];
        std::string path = config::element_path("drives", i);
        CHECK(check_id(drive.drive_id, path + ".drive_id"));
        auto [it, inserted] = index_of_id.emplace(drive.drive_id, i);
        if (!inserted)
            return problem(path + ".drive_id", "\"{}\" is already the id of drives[{}]",
                           drive.drive_id, it->second);
        CHECK(check_not_empty(drive.path_on_host, path + ".path_on_host"));
        if (drive.is_root_device) {
            if (root_index)
                return problem(path + ".is_root_device",
                               "drives[{}] is already the root device; there can be only one",
                               *root_index);
            root_index = i;
        }
        if (drive.partuuid) {
            // It becomes root=PARTUUID=<partuuid> on the kernel command line.
            CHECK(check_not_empty(*drive.partuuid, path + ".partuuid"));
            CHECK(check_command_line_text(*drive.partuuid, path + ".partuuid"));
            if (drive.partuuid->find(' ') != std::string::npos)
                return problem(path + ".partuuid", "must not contain spaces");
        }
        CHECK(check_rate_limiter(drive.rate_limiter, path + ".rate_limiter"));
    }
    return {};
}

Check check_network_interfaces(const std::vector<NetworkInterfaceConfig>& interfaces) {
    for (size_t i = 0; i < interfaces.size(); ++i) {
        const NetworkInterfaceConfig& iface = interfaces[i];
        std::string path = config::element_path("network-interfaces", i);
        CHECK(check_id(iface.iface_id, path + ".iface_id"));
        CHECK(check_not_empty(iface.host_dev_name, path + ".host_dev_name"));
        if (iface.host_dev_name.size() > kMaxHostDevNameLength)
            return problem(path + ".host_dev_name", "\"{}\" is longer than {} bytes",
                           printable(iface.host_dev_name), kMaxHostDevNameLength);
        if (iface.mtu && *iface.mtu < kMinMtu)
            return problem(path + ".mtu", "must be between {} and 65535, got {}", kMinMtu,
                           *iface.mtu);
        // Two interfaces on one tap device, or with one MAC address, cannot both work.
        for (size_t j = 0; j < i; ++j) {
            const NetworkInterfaceConfig& other = interfaces[j];
            if (other.iface_id == iface.iface_id)
                return problem(path + ".iface_id",
                               "\"{}\" is already the id of "
                               "network-interfaces[{}]",
                               iface.iface_id, j);
            if (other.host_dev_name == iface.host_dev_name)
                return problem(path + ".host_dev_name",
                               "\"{}\" is already used by network-interfaces[{}]",
                               printable(iface.host_dev_name), j);
            if (iface.guest_mac && other.guest_mac == iface.guest_mac)
                return problem(path + ".guest_mac", "is already used by network-interfaces[{}]", j);
        }
        CHECK(check_rate_limiter(iface.rx_rate_limiter, path + ".rx_rate_limiter"));
        CHECK(check_rate_limiter(iface.tx_rate_limiter, path + ".tx_rate_limiter"));
    }
    return {};
}

Check check_config(const VmConfig& config) {
    CHECK(check_boot_source(config.boot_source));
    CHECK(check_machine(config.machine));
    CHECK(check_drives(config.drives));
    CHECK(check_network_interfaces(config.network_interfaces));
    CHECK(check_rate_limiter(config.entropy.rate_limiter, "entropy.rate_limiter"));
    return {};
}

#undef CHECK

}  // namespace

Result<VmConfig> validate_vm_config(VmConfig config, const FieldNamer& name_field) {
    if (auto checked = check_config(config); !checked) {
        const Problem& found = checked.error();
        std::string field = name_field ? name_field(found.path) : found.path;
        return make_error("{}: {}", field, found.text);
    }
    std::stable_partition(config.drives.begin(), config.drives.end(),
                          [](const DriveConfig& drive) { return drive.is_root_device; });
    return config;
}

}  // namespace zapotec
