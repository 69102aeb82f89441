// Starting, pausing and resuming a built VM, and its metrics. (Placeholders until the
// lifecycle work lands.)
#include "vmm/vmm.hpp"

namespace zapotec {

Result<> Vmm::start() {
    return make_error("Vmm::start: not implemented yet");
}

VmExit Vmm::finish() {
    return VmExit{VmExitKind::Error, "Vmm::finish: not implemented yet"};
}

Result<> Vmm::pause() {
    return make_error("pausing is not implemented yet");
}

Result<> Vmm::resume() {
    return make_error("resuming is not implemented yet");
}

Result<> Vmm::send_ctrl_alt_del() {
    return make_error("SendCtrlAltDel is not implemented yet");
}

void Vmm::collect_metrics(MetricsCollector&) const {}

}  // namespace zapotec
