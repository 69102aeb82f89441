// Opening a tap through /dev/net/tun and configuring its virtio-net header and offloads.
#include "net/tap.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <cstring>

namespace zapotec::net {

namespace {

constexpr const char* kTunDevice = "/dev/net/tun";

// What the user can do about a failed TUNSETIFF, by errno.
std::string open_hint(const std::string& name, int code) {
    switch (code) {
        case EPERM:
        case EACCES:
            return fmt::format(
                " (create it with `ip tuntap add {} mode tap` or run with "
                "CAP_NET_ADMIN)",
                name);
        case EBUSY:
            return " (is another process using it?)";
        case EINVAL:
            return " (is it a tun device, or a multi-queue tap?)";
        default:
            return "";
    }
}

Error tap_error(const std::string& name, int code, const std::string& hint = "") {
    return Error(fmt::format("cannot open tap '{}': {}{}", name, std::strerror(code), hint), code);
}

}  // namespace

Result<Tap> Tap::open(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ) {
        return make_error("cannot open tap '{}': a name must be 1 to {} characters", name,
                          IFNAMSIZ - 1);
    }
    if (name.find('/') != std::string::npos || name == "." || name == "..") {
        return make_error("cannot open tap '{}': not a valid interface name", name);
    }
    UniqueFd fd(::open(kTunDevice, O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        int code = errno;
        return std::unexpected(tap_error(name, code, fmt::format(" (opening {})", kTunDevice)));
    }
    ifreq request{};
    std::memcpy(request.ifr_name, name.data(), name.size());
    request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (::ioctl(fd.get(), TUNSETIFF, &request) < 0) {
        int code = errno;
        return std::unexpected(tap_error(name, code, open_hint(name, code)));
    }
    int header_size = kTapVnetHeaderSize;
    if (::ioctl(fd.get(), TUNSETVNETHDRSZ, &header_size) < 0) {
        int code = errno;
        return std::unexpected(tap_error(name, code, " (setting the virtio-net header size)"));
    }
    Tap tap(name, std::move(fd));
    tap.probe_offloads();
    if (auto cleared = tap.set_offloads(0); !cleared)
        return std::unexpected(cleared.error());
    return tap;
}

void Tap::probe_offloads() {
    constexpr unsigned kBase = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
    for (unsigned candidate : {kBase | TUN_F_UFO, kBase, static_cast<unsigned>(TUN_F_CSUM)}) {
        if (::ioctl(fd_.get(), TUNSETOFFLOAD, static_cast<unsigned long>(candidate)) == 0) {
            supported_offloads_ = candidate;
            return;
        }
    }
    supported_offloads_ = 0;
}

Result<> Tap::set_offloads(unsigned tun_flags) {
    if (::ioctl(fd_.get(), TUNSETOFFLOAD, static_cast<unsigned long>(tun_flags)) < 0)
        return errno_error(fmt::format("tap '{}': TUNSETOFFLOAD {:#x}", name_, tun_flags));
    return {};
}

}  // namespace zapotec::net
