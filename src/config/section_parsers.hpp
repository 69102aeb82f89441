// Parsers for the sections of a Firecracker config file, one per object type of Firecracker's
// schema (src/firecracker/swagger/firecracker.yaml). Each checks field names and JSON types
// and names the path of the first problem; value ranges are checked later by
// validate_vm_config so that the command line shares them.
#pragma once

#include <string>

#include "base/error.hpp"
#include "config/json_fields.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec::config {

// `boot-source`: {kernel_image_path, initrd_path, boot_args}.
[[nodiscard]] Result<BootSourceConfig> parse_boot_source(const Json& value,
                                                         const std::string& path);

// `machine-config`: {vcpu_count, mem_size_mib, smt, track_dirty_pages, cpu_template,
// huge_pages}.
[[nodiscard]] Result<MachineConfig> parse_machine_config(const Json& value,
                                                         const std::string& path);

// One element of `drives`.
[[nodiscard]] Result<DriveConfig> parse_drive(const Json& value, const std::string& path);

// One element of `network-interfaces`.
[[nodiscard]] Result<NetworkInterfaceConfig> parse_network_interface(const Json& value,
                                                                     const std::string& path);

// A RateLimiter object: {bandwidth, ops}, each a TokenBucket {size, one_time_burst,
// refill_time}.
[[nodiscard]] Result<RateLimiterConfig> parse_rate_limiter(const Json& value,
                                                           const std::string& path);

// "06:00:c0:a8:00:02" -> six bytes.
[[nodiscard]] Result<MacAddress> parse_mac_address(const Json& value, const std::string& path);

}  // namespace zapotec::config
