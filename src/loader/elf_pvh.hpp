// Parses an ELF64 vmlinux that has a PVH entry point (the Xen PHYS32_ENTRY note).
#pragma once

#include <cstdint>
#include <span>

#include "base/error.hpp"
#include "loader/kernel_image.hpp"

namespace zapotec {

// XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit protected-mode entry a PVH boot starts at.
inline constexpr uint32_t kXenElfNotePhys32Entry = 18;

// True when the bytes start with the ELF magic.
[[nodiscard]] bool looks_like_elf(std::span<const uint8_t> file);

// Checks the ELF header, describes each PT_LOAD segment at its physical address (which must
// lie at or above kHighMemoryStart, clear of the boot data) and finds the PVH entry note.
// Every offset and size is checked against `file`.
[[nodiscard]] Result<ParsedKernel> parse_elf_pvh(std::span<const uint8_t> file);

}  // namespace zapotec
