// MAC address formatting and generation.
#include "net/mac_address.hpp"

#include <sys/random.h>

#include <cerrno>

namespace zapotec::net {

std::string format_mac(const MacAddress& mac) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3],
                       mac[4], mac[5]);
}

Result<MacAddress> generate_mac() {
    MacAddress mac{};
    for (;;) {
        ssize_t got = ::getrandom(mac.data(), mac.size(), 0);
        if (got == static_cast<ssize_t>(mac.size()))
            break;
        if (got < 0 && errno != EINTR)
            return errno_error("generate a MAC address: getrandom");
    }
    mac[0] = static_cast<uint8_t>((mac[0] & ~0x01) | 0x02);
    return mac;
}

}  // namespace zapotec::net
