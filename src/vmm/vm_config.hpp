// The user's description of a VM: filled by the CLI or the Firecracker-style config file,
// validated, then handed to the builder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zapotec {

struct BootSourceConfig {
    std::string kernel_image_path;
    std::optional<std::string> initrd_path;
    std::string boot_args = "console=ttyS0";
};

struct DriveConfig {
    std::string drive_id;
    std::string path_on_host;
    bool is_root_device = false;
    bool is_read_only = false;
};

struct MachineConfig {
    uint32_t vcpu_count = 1;
    uint64_t mem_size_mib = 256;
    bool smt = false;
};

struct EntropyConfig {
    bool enabled = false;
};

struct VmConfig {
    BootSourceConfig boot_source;
    MachineConfig machine;
    std::vector<DriveConfig> drives;  // The first one is /dev/vda.
    EntropyConfig entropy;
};

}  // namespace zapotec
