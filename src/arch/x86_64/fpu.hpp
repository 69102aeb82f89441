// The x87 and SSE state a vCPU boots with.
#pragma once

#include <cstdint>

#include "arch/x86_64/kvm_uapi.hpp"

namespace zapotec::x86_64 {

// FNINIT's control word: all exceptions masked, 64-bit precision, round to nearest.
inline constexpr uint16_t kFpuControlWordDefault = 0x37f;
// The MXCSR at reset: all SIMD exceptions masked, round to nearest.
inline constexpr uint32_t kMxcsrDefault = 0x1f80;

// The FPU as after FNINIT and a reset of MXCSR; everything else zero (all registers empty).
[[nodiscard]] kvm_fpu boot_fpu();

}  // namespace zapotec::x86_64
