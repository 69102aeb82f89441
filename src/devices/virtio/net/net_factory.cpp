// network-interfaces entry -> tap + NetDevice.
#include "devices/virtio/net/net_factory.hpp"

#include "net/tap.hpp"

namespace zapotec::virtio {

Result<std::shared_ptr<NetDevice>> create_net_device(const NetworkInterfaceConfig& config,
                                                     size_t index) {
    std::string field = fmt::format("network-interfaces[{}]", index);
    auto tap = net::Tap::open(config.host_dev_name);
    if (!tap)
        return std::unexpected(tap.error().context(field + ".host_dev_name"));
    auto device = NetDevice::create(config, std::make_unique<net::Tap>(std::move(*tap)));
    if (!device) {
        // The device names the field ("mtu: ...", "rx_rate_limiter.bandwidth.size: ...").
        const Error& error = device.error();
        return std::unexpected(Error(fmt::format("{}.{}", field, error.message()), error.code()));
    }
    return device;
}

}  // namespace zapotec::virtio
