// Builds a network device from the user's network-interfaces entry: opens its tap and
// creates the device, with errors that name the config field at fault.
#pragma once

#include <cstddef>
#include <memory>

#include "base/error.hpp"
#include "devices/virtio/net/net_device.hpp"
#include "vmm/vm_config.hpp"

namespace zapotec::virtio {

// `index` is the entry's place in network-interfaces, for messages like
// "network-interfaces[0].host_dev_name: cannot open tap 'tap0': ...".
[[nodiscard]] Result<std::shared_ptr<NetDevice>> create_net_device(
    const NetworkInterfaceConfig& config, size_t index);

}  // namespace zapotec::virtio
