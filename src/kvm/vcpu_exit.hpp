// Why KVM_RUN returned: a std::variant whose I/O alternatives are spans into kvm_run, so a
// handler fills an IN or MMIO read in place.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>

namespace zapotec::kvm {

namespace exit {
// For string I/O (rep ins/outs) `data` holds several accesses of `size` bytes each.
struct IoIn {
    uint16_t port;
    uint8_t size;
    std::span<uint8_t> data;
};
struct IoOut {
    uint16_t port;
    uint8_t size;
    std::span<const uint8_t> data;
};
struct MmioRead {
    uint64_t address;
    std::span<uint8_t> data;
};
struct MmioWrite {
    uint64_t address;
    std::span<const uint8_t> data;
};
// KVM_RUN was interrupted (a kick, immediate_exit) before or during guest execution.
struct Interrupted {};
struct Hlt {};
// Triple fault or similar: the vCPU cannot continue.
struct Shutdown {};
struct SystemEvent {
    uint32_t type;  // KVM_SYSTEM_EVENT_*
};
struct FailEntry {
    uint64_t hardware_reason;
};
struct InternalError {
    uint32_t suberror;
    std::string details;  // Instruction bytes and extra data KVM gave, formatted.
};
struct Other {
    uint32_t reason;  // Any exit we do not handle.
};
}  // namespace exit

using VcpuExit = std::variant<exit::IoIn, exit::IoOut, exit::MmioRead, exit::MmioWrite,
                              exit::Interrupted, exit::Hlt, exit::Shutdown, exit::SystemEvent,
                              exit::FailEntry, exit::InternalError, exit::Other>;

}  // namespace zapotec::kvm
