// MAC address helpers for the network devices: formatting for logs and a random locally
// administered address for an interface the user gave no MAC.
#pragma once

#include <string>

#include "base/error.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec::net {

// "02:ab:cd:ef:01:23".
std::string format_mac(const MacAddress& mac);

// A random unicast, locally administered address (bit 1 of the first byte set, bit 0
// clear), so it cannot collide with a vendor-assigned one.
[[nodiscard]] Result<MacAddress> generate_mac();

inline bool is_multicast(const MacAddress& mac) {
    return (mac[0] & 0x01) != 0;
}

}  // namespace zapotec::net
