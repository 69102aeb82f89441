// The microVM's lifecycle as an explicit state machine: Not started -> Running <-> Paused ->
// Stopped. The controller asks it before acting, so that an illegal request (pausing a VM
// that never started, starting one twice) is refused with a message that says why.
#pragma once

#include <string_view>

#include "base/error.hpp"
#include "vmm/vm_control.hpp"

namespace zapotec {

// What moves the VM from one state to another.
enum class VmAction {
    kStart,   // InstanceStart.
    kPause,   // PATCH /vm {"state": "Paused"}.
    kResume,  // PATCH /vm {"state": "Resumed"}.
    kStop,    // The guest powered off, rebooted or crashed, or the VMM was told to end.
};

// Firecracker's names, as GET / reports them: "Not started", "Running", "Paused"; and
// "Stopped", which only a process about to exit can report.
std::string_view vm_state_name(VmState state);

class VmStateMachine {
  public:
    VmState state() const { return state_; }
    bool started() const { return state_ != VmState::kNotStarted; }

    // The state `action` leads to from the current one, or an error like "cannot pause: the
    // microVM is not running (state: Not started)". Changes nothing.
    [[nodiscard]] Result<VmState> next(VmAction action) const;
    // next(), then moves there.
    [[nodiscard]] Result<> apply(VmAction action);

  private:
    VmState state_ = VmState::kNotStarted;
};

}  // namespace zapotec
