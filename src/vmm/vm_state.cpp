// The microVM lifecycle state machine: which action is legal in which state.
#include "vmm/vm_state.hpp"

namespace zapotec {

namespace {

std::string_view action_verb(VmAction action) {
    switch (action) {
        case VmAction::kStart:
            return "start";
        case VmAction::kPause:
            return "pause";
        case VmAction::kResume:
            return "resume";
        case VmAction::kStop:
            return "stop";
    }
    return "change";
}

// Why `action` is refused in `state`, in words a user can act on.
std::string_view refusal(VmAction action, VmState state) {
    switch (action) {
        case VmAction::kStart:
            return state == VmState::kStopped ? "the microVM has stopped"
                                              : "the microVM was already started";
        case VmAction::kPause:
            if (state == VmState::kPaused)
                return "the microVM is already paused";
            return "the microVM is not running";
        case VmAction::kResume:
            return "the microVM is not paused";
        case VmAction::kStop:
            if (state == VmState::kStopped)
                return "the microVM has already stopped";
            return "the microVM was never started";
    }
    return "the action is unknown";
}

}  // namespace

std::string_view vm_state_name(VmState state) {
    switch (state) {
        case VmState::kNotStarted:
            return "Not started";
        case VmState::kRunning:
            return "Running";
        case VmState::kPaused:
            return "Paused";
        case VmState::kStopped:
            return "Stopped";
    }
    return "Unknown";
}

Result<VmState> VmStateMachine::next(VmAction action) const {
    switch (action) {
        case VmAction::kStart:
            if (state_ == VmState::kNotStarted)
                return VmState::kRunning;
            break;
        case VmAction::kPause:
            if (state_ == VmState::kRunning)
                return VmState::kPaused;
            break;
        case VmAction::kResume:
            if (state_ == VmState::kPaused)
                return VmState::kRunning;
            break;
        case VmAction::kStop:
            if (state_ == VmState::kRunning || state_ == VmState::kPaused)
                return VmState::kStopped;
            break;
    }
    return make_error("cannot {}: {} (state: {})", action_verb(action), refusal(action, state_),
                      vm_state_name(state_));
}

Result<> VmStateMachine::apply(VmAction action) {
    state_ = TRY(next(action));
    return {};
}

}  // namespace zapotec
