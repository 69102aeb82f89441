// Semantic checks on a VmConfig (ranges, identifiers, the root drive), shared by the
// config-file parser and the command line so that both accept exactly the same VMs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "base/error.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec {

// x86 xAPIC IDs are 8 bits and 0xff is the broadcast ID, and one ID is left for the I/O APIC
// in the MP table: 254 vCPUs at most. (Firecracker stops at 32.)
inline constexpr uint32_t kMaxVcpuCount = 254;
// A compressed x86_64 Linux kernel needs room to decompress itself next to its image and an
// initrd; below 16 MiB even a minimal kernel fails in early boot. Firecracker only refuses 0.
inline constexpr uint64_t kMinMemSizeMib = 16;
// No host comes near this; it only guarantees that byte counts never overflow 64 bits.
inline constexpr uint64_t kMaxMemSizeMib = uint64_t{1} << 32;  // 4 PiB.
// Linux's x86 COMMAND_LINE_SIZE is 2048 bytes including the terminating NUL, and the loader
// appends the root= argument to this; Firecracker uses the same limit.
inline constexpr size_t kMaxBootArgsLength = 2047;
// A tap device's name must fit in IFNAMSIZ (16) with its NUL.
inline constexpr size_t kMaxHostDevNameLength = 15;
// The smallest MTU that IPv4 allows, as Firecracker's schema.
inline constexpr uint16_t kMinMtu = 68;

// Maps a config-file field path ("machine-config.vcpu_count", "drives[0].path_on_host") to
// the name its user knows, e.g. "--cpus" on the command line. Empty: keep the path.
using FieldNamer = std::function<std::string(const std::string& config_path)>;

// Checks every value in `config` and returns it with the root drive (if any) moved to the
// front, where it becomes /dev/vda, the other drives keeping their order (Firecracker does
// the same). An error is one line, "<field>: <problem>", e.g. "machine-config.vcpu_count:
// must be between 1 and 254, got 0". Paths name the drives as they were given, before the
// reordering. Host resources (files, memory) are checked by check_host_resources().
[[nodiscard]] Result<VmConfig> validate_vm_config(VmConfig config,
                                                  const FieldNamer& name_field = {});

}  // namespace zapotec
