// Why a VM stopped, and what that means for the zapotec process's exit status.
#pragma once

#include <string>

namespace zapotec {

enum class VmExitKind {
    PowerOff,  // The guest powered off (ACPI S5): exit 0.
    Reset,     // The guest asked to reboot (i8042, ACPI reset): exit 0.
    Crash,     // The guest crashed: triple fault, kernel panic (pvpanic): exit 1.
    Error,     // KVM or the VMM failed: exit 2.
};

struct VmExit {
    VmExitKind kind = VmExitKind::Error;
    std::string message;

    int exit_code() const {
        switch (kind) {
            case VmExitKind::PowerOff:
            case VmExitKind::Reset:
                return 0;
            case VmExitKind::Crash:
                return 1;
            case VmExitKind::Error:
                return 2;
        }
        return 2;
    }
};

}  // namespace zapotec
