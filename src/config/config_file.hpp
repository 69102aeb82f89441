// Reads a Firecracker-style VM config file (firecracker --config-file) into a VmConfig.
//
// The schema is Firecracker's (src/firecracker/swagger/firecracker.yaml, example in
// tests/framework/vm_config.json), with these choices:
// - Supported sections: `boot-source` (required), `drives` (required, may be []),
//   `machine-config` (optional; 1 vCPU and 128 MiB without it, Firecracker's defaults),
//   `network-interfaces`, and `entropy` (the rng device exists only when it is present).
// - Firecracker sections that Zapotec does not implement yet (`balloon`, `vsock`, `logger`,
//   `metrics`, `mmds-config`, `cpu-config`, `memory-hotplug`, `pmem`) are accepted when null
//   or an empty array, as Firecracker's own example writes them, and are otherwise refused
//   with "<section>: not supported yet". Accepting a device and not creating it would be
//   worse than refusing the file.
// - Unlike Firecracker, unknown fields are refused at every level, the top level included,
//   and so is a key repeated within one object.
// - Without `boot_args` the kernel gets Zapotec's default ("console=ttyS0").
// Every error is one line that names the field, e.g. "drives[1].foo: unknown field".
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec {

// Parses and validates (validate_vm_config) the text of a config file.
[[nodiscard]] Result<VmConfig> parse_config_json(std::string_view text);

// Reads `path` (at most kMaxConfigFileSize bytes) and parses it; every error starts with the
// path, e.g. "vm.json: invalid JSON: parse error at line 3, column 5: ...".
[[nodiscard]] Result<VmConfig> load_config_file(const std::string& path);

inline constexpr size_t kMaxConfigFileSize = 1 << 20;

}  // namespace zapotec
