// Runtime updates of a running VM's devices (PATCH /drives, PATCH /network-interfaces). They
// run on the event loop thread, like the devices' queue processing.
#include "devices/virtio/block/block_device.hpp"
#include "devices/virtio/net/net_device.hpp"
#include "rate_limiter/rate_limiter.hpp"
#include "vmm/vmm.hpp"

namespace zapotec {

namespace {

template <class Device, class Match>
std::shared_ptr<Device> find_device(const std::vector<std::shared_ptr<virtio::VirtioDevice>>& all,
                                    Match match) {
    for (const auto& device : all) {
        if (auto typed = std::dynamic_pointer_cast<Device>(device); typed && match(*typed))
            return typed;
    }
    return nullptr;
}

}  // namespace

Result<> Vmm::update_drive(const DriveUpdate& update) {
    auto block =
        find_device<virtio::BlockDevice>(virtio_devices_, [&](const virtio::BlockDevice& device) {
            return device.config().drive_id == update.drive_id;
        });
    if (!block)
        return make_error("drive_id: no drive '{}' in this microVM", update.drive_id);
    // Check the limiter first: a swapped file with a rejected limiter would be half-done.
    if (update.rate_limiter) {
        if (auto checked = RateLimiter::create(*update.rate_limiter); !checked)
            return std::unexpected(checked.error().context("rate_limiter"));
    }
    if (update.path_on_host) {
        if (auto swapped = block->swap_backing_file(*update.path_on_host); !swapped)
            return std::unexpected(swapped.error().context("path_on_host"));
    }
    if (update.rate_limiter)
        TRY(block->update_rate_limiter(*update.rate_limiter));
    return {};
}

Result<> Vmm::update_network_interface(const NetworkInterfaceUpdate& update) {
    auto net =
        find_device<virtio::NetDevice>(virtio_devices_, [&](const virtio::NetDevice& device) {
            return device.config().iface_id == update.iface_id;
        });
    if (!net)
        return make_error("iface_id: no network interface '{}' in this microVM", update.iface_id);
    return net->update_rate_limiters(update.rx_rate_limiter, update.tx_rate_limiter);
}

}  // namespace zapotec
