// What the kernel loader found in a kernel file and where it put it in guest memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loader/setup_header.hpp"
#include "memory/guest_address.hpp"

namespace zapotec {

enum class KernelFormat {
    kBzImage,  // Linux x86 boot protocol; entered in 64-bit mode with boot_params.
    kElfPvh,   // ELF vmlinux; entered in 32-bit mode at the PVH entry with hvm_start_info.
};

struct KernelImage {
    KernelFormat format = KernelFormat::kBzImage;
    // bzImage: the 64-bit entry (load address + 0x200). ELF: the 32-bit PVH entry.
    GuestAddress entry;
    // The lowest guest address the image was copied to.
    GuestAddress load_address;
    // One past the highest guest address the kernel uses while it boots: for a bzImage this
    // counts init_size from where the kernel decompresses itself. An initrd goes above it.
    uint64_t end = 0;
    // The kernel_version string of a bzImage (e.g. "6.1.0-50-cloud-amd64 (...) #1 SMP ...");
    // empty for ELF images and for bzImages without one.
    std::string version;

    // The setup header as the file has it, zeroed past the header's own end. bzImage only.
    SetupHeader setup_header{};
    uint16_t boot_protocol = 0;  // e.g. 0x020f for 2.15; 0 for ELF.
    // The highest address an initrd may occupy (inclusive), from the header; for ELF images
    // the 32-bit limit, since the PVH module list is placed in low memory anyway.
    uint32_t initrd_addr_max = 0xffff'ffff;
    uint32_t kernel_alignment = 0;
    uint32_t init_size = 0;
    bool relocatable = false;
    uint16_t xloadflags = 0;
    // The longest command line the kernel accepts, without the terminating NUL.
    uint32_t cmdline_size = 0;
    uint64_t pref_address = 0;
};

// One piece of the file to copy into guest memory: `file_size` bytes from `file_offset`
// go to `address`, and the rest up to `memory_size` is zero-filled.
struct LoadSegment {
    uint64_t file_offset = 0;
    uint64_t file_size = 0;
    GuestAddress address;
    uint64_t memory_size = 0;
};

// The result of parsing a kernel file without touching guest memory.
struct ParsedKernel {
    KernelImage image;
    std::vector<LoadSegment> segments;
};

}  // namespace zapotec
