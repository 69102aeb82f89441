// The device flags of `zapotec run`, each a PATH or NAME followed by comma-separated options:
//
//   --disk PATH[,ro][,bandwidth=SIZE][,iops=N][,engine=sync|async]
//   --net tap=NAME[,mac=06:00:c0:a8:00:02][,mtu=N][,rx-bandwidth=SIZE][,tx-bandwidth=SIZE]
//
// SIZE is bytes per second: a decimal number with an optional K, M or G suffix, which
// multiply by 1024, 1024^2 and 1024^3 (so 50M is 52428800 bytes per second). A bandwidth or
// iops limit becomes a token bucket of that size refilled every second (refill_time 1000 ms).
// Options are matched strictly, so that a mistyped one is an error rather than ignored; a
// path that contains a comma cannot be given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec {

// `spec` is the value of the index-th --disk flag: drive id "disk<index>", the first is root.
// Errors read "--disk a.img,iops=x: iops: expected a decimal number, got \"x\"".
[[nodiscard]] Result<DriveConfig> parse_disk_flag(const std::string& spec, size_t index);

// `spec` is the value of the index-th --net flag: interface id "eth<index>".
[[nodiscard]] Result<NetworkInterfaceConfig> parse_net_flag(const std::string& spec, size_t index);

// "50M" -> 52428800. Zero and values that overflow 64 bits are errors.
[[nodiscard]] Result<uint64_t> parse_size(std::string_view text);

}  // namespace zapotec
