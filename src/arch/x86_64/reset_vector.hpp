// The x86 reset vector (F000:FFF0, physical 0xffff0). Zapotec has no firmware, but Linux's
// BIOS reboot method (machine_real_restart) jumps there, so a few bytes of "firmware" turn
// that jump into a reset request the VMM sees.
#pragma once

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::x86_64 {

inline constexpr uint64_t kResetVectorAddress = 0xffff0;

// Writes, at the reset vector: pulse the i8042 reset line (out 0x64 <- 0xfe), then halt.
[[nodiscard]] Result<> write_reset_vector_stub(const GuestMemory& memory);

}  // namespace zapotec::x86_64
