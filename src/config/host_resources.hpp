// Checks that what a VmConfig asks of the host is there: readable (and, for writable drives,
// writable) files, and enough memory. Kept apart from validate_vm_config, which looks only at
// the values, so that a config can be validated on another machine.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/error.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec {

// MemTotal and SwapTotal from /proc/meminfo, in KiB (which meminfo calls kB).
struct HostMemory {
    uint64_t mem_total_kib = 0;
    uint64_t swap_total_kib = 0;
};

// Parses the text of /proc/meminfo.
[[nodiscard]] Result<HostMemory> parse_meminfo(std::string_view text);

// Fails when the guest's memory is more than the host's RAM and swap together; the message
// gives both numbers. Overcommit below that is the user's choice, as it is in Firecracker.
[[nodiscard]] Result<> check_memory_fits(uint64_t mem_size_mib, const HostMemory& host);

// Opens the kernel, the initrd and each drive the way the VM will need them (read-only
// drives for reading, the others for reading and writing), then checks the memory size
// against /proc/meminfo. Errors read like "drive rootfs: cannot open /x.img: No such file or
// directory".
[[nodiscard]] Result<> check_host_resources(const VmConfig& config);

}  // namespace zapotec
