// Tests the microVM lifecycle state machine: every action in every state, and the refusals'
// messages.
#include "vmm/vm_state.hpp"

#include <gtest/gtest.h>

namespace zapotec {
namespace {

VmStateMachine in_state(VmState state) {
    VmStateMachine machine;
    if (state == VmState::kNotStarted)
        return machine;
    EXPECT_TRUE(machine.apply(VmAction::kStart).has_value());
    if (state == VmState::kPaused) {
        EXPECT_TRUE(machine.apply(VmAction::kPause).has_value());
    }
    if (state == VmState::kStopped) {
        EXPECT_TRUE(machine.apply(VmAction::kStop).has_value());
    }
    EXPECT_EQ(machine.state(), state);
    return machine;
}

TEST(VmState, Names) {
    EXPECT_EQ(vm_state_name(VmState::kNotStarted), "Not started");
    EXPECT_EQ(vm_state_name(VmState::kRunning), "Running");
    EXPECT_EQ(vm_state_name(VmState::kPaused), "Paused");
    EXPECT_EQ(vm_state_name(VmState::kStopped), "Stopped");
}

TEST(VmState, StartsNotStarted) {
    VmStateMachine machine;
    EXPECT_EQ(machine.state(), VmState::kNotStarted);
    EXPECT_FALSE(machine.started());
}

struct Transition {
    VmState from;
    VmAction action;
    // Set: the action is allowed and leads here. Empty: the refusal's message.
    std::optional<VmState> to;
    std::string refusal;
};

TEST(VmState, EveryActionInEveryState) {
    const std::vector<Transition> table = {
        {VmState::kNotStarted, VmAction::kStart, VmState::kRunning, ""},
        {VmState::kNotStarted, VmAction::kPause, std::nullopt,
         "cannot pause: the microVM is not running (state: Not started)"},
        {VmState::kNotStarted, VmAction::kResume, std::nullopt,
         "cannot resume: the microVM is not paused (state: Not started)"},
        {VmState::kNotStarted, VmAction::kStop, std::nullopt,
         "cannot stop: the microVM was never started (state: Not started)"},
        {VmState::kRunning, VmAction::kStart, std::nullopt,
         "cannot start: the microVM was already started (state: Running)"},
        {VmState::kRunning, VmAction::kPause, VmState::kPaused, ""},
        {VmState::kRunning, VmAction::kResume, std::nullopt,
         "cannot resume: the microVM is not paused (state: Running)"},
        {VmState::kRunning, VmAction::kStop, VmState::kStopped, ""},
        {VmState::kPaused, VmAction::kStart, std::nullopt,
         "cannot start: the microVM was already started (state: Paused)"},
        {VmState::kPaused, VmAction::kPause, std::nullopt,
         "cannot pause: the microVM is already paused (state: Paused)"},
        {VmState::kPaused, VmAction::kResume, VmState::kRunning, ""},
        {VmState::kPaused, VmAction::kStop, VmState::kStopped, ""},
        {VmState::kStopped, VmAction::kStart, std::nullopt,
         "cannot start: the microVM has stopped (state: Stopped)"},
        {VmState::kStopped, VmAction::kPause, std::nullopt,
         "cannot pause: the microVM is not running (state: Stopped)"},
        {VmState::kStopped, VmAction::kResume, std::nullopt,
         "cannot resume: the microVM is not paused (state: Stopped)"},
        {VmState::kStopped, VmAction::kStop, std::nullopt,
         "cannot stop: the microVM has already stopped (state: Stopped)"},
    };
    for (const Transition& t : table) {
        SCOPED_TRACE(
            fmt::format("{} + action {}", vm_state_name(t.from), static_cast<int>(t.action)));
        VmStateMachine machine = in_state(t.from);
        auto next = machine.next(t.action);
        auto applied = machine.apply(t.action);
        if (t.to) {
            ASSERT_TRUE(next.has_value()) << next.error().message();
            EXPECT_EQ(*next, *t.to);
            EXPECT_TRUE(applied.has_value());
            EXPECT_EQ(machine.state(), *t.to);
        } else {
            ASSERT_FALSE(next.has_value());
            EXPECT_EQ(next.error().message(), t.refusal);
            ASSERT_FALSE(applied.has_value());
            EXPECT_EQ(applied.error().message(), t.refusal);
            EXPECT_EQ(machine.state(), t.from) << "a refused action changes nothing";
        }
    }
}

TEST(VmState, PauseResumeCycles) {
    VmStateMachine machine = in_state(VmState::kRunning);
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(machine.apply(VmAction::kPause).has_value());
        ASSERT_TRUE(machine.apply(VmAction::kResume).has_value());
    }
    EXPECT_EQ(machine.state(), VmState::kRunning);
    EXPECT_TRUE(machine.started());
}

}  // namespace
}  // namespace zapotec
