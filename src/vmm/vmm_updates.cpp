// Runtime updates of a running VM's devices (PATCH /drives, PATCH /network-interfaces).
// (Placeholders until the block and net devices expose their update methods.)
#include "vmm/vmm.hpp"

namespace zapotec {

Result<> Vmm::update_drive(const DriveUpdate& update) {
    return make_error("drives/{}: updating a running drive is not implemented yet",
                      update.drive_id);
}

Result<> Vmm::update_network_interface(const NetworkInterfaceUpdate& update) {
    return make_error("network-interfaces/{}: updating a running interface is not implemented yet",
                      update.iface_id);
}

}  // namespace zapotec
