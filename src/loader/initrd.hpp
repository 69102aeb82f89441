// Places an initrd (initramfs) in guest memory, as high in low RAM as the kernel allows.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/error.hpp"
#include "loader/kernel_image.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec {

struct InitrdPlacement {
    GuestAddress address;
    uint64_t size = 0;
};

// One past the last byte of the RAM that starts below 1 MiB, capped at the 32-bit MMIO hole.
[[nodiscard]] uint64_t low_ram_end(const GuestMemory& memory);

// Chooses where an initrd of `size` bytes goes: page-aligned, at the highest address that
// keeps it below min(initrd_addr_max + 1, the end of low RAM) and above the kernel's end.
[[nodiscard]] Result<InitrdPlacement> place_initrd(const GuestMemory& memory, uint64_t size,
                                                   const KernelImage& kernel);

// Reads the initrd at `path` straight into guest memory at the place chosen above.
[[nodiscard]] Result<InitrdPlacement> load_initrd(const GuestMemory& memory,
                                                  const std::string& path,
                                                  const KernelImage& kernel);

}  // namespace zapotec
