// Parses a bzImage per the Linux x86 boot protocol (Documentation/arch/x86/boot.rst).
#pragma once

#include <cstdint>
#include <span>

#include "base/error.hpp"
#include "loader/kernel_image.hpp"

namespace zapotec {

// True when the bytes carry the "HdrS" setup header magic at 0x202.
[[nodiscard]] bool looks_like_bzimage(std::span<const uint8_t> file);

// Checks the header (boot protocol 2.12 or later with a 64-bit entry, loaded high) and
// describes the load: the protected-mode kernel goes to kHighMemoryStart. Never reads
// outside `file`.
[[nodiscard]] Result<ParsedKernel> parse_bzimage(std::span<const uint8_t> file);

}  // namespace zapotec
