// Loads a guest kernel, a bzImage or an ELF vmlinux with a PVH entry, into guest memory.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/error.hpp"
#include "loader/kernel_image.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec {

// Which format the bytes claim to be, from their magic numbers alone.
[[nodiscard]] std::optional<KernelFormat> detect_kernel_format(std::span<const uint8_t> file);

// Parses a kernel file held in memory without touching guest memory: the fuzzing entry.
[[nodiscard]] Result<ParsedKernel> parse_kernel_image(std::span<const uint8_t> file);

// Parses the bytes and copies the kernel into guest memory, after checking that every
// segment and the memory the kernel needs to boot lie in guest RAM.
[[nodiscard]] Result<KernelImage> load_kernel_image(const GuestMemory& memory,
                                                    std::span<const uint8_t> file);

// Reads and loads the kernel at `path`; every error names the file.
[[nodiscard]] Result<KernelImage> load_kernel(const GuestMemory& memory, const std::string& path);

}  // namespace zapotec
