// The boot information handed to the kernel: the Linux zero page (struct boot_params) for a
// bzImage, or the Xen/PVH hvm_start_info for an ELF kernel entered at its PVH entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "arch/x86_64/e820.hpp"
#include "base/error.hpp"
#include "loader/cmdline.hpp"
#include "loader/initrd.hpp"
#include "loader/kernel_image.hpp"
#include "loader/setup_header.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::x86_64 {

// struct boot_params from arch/x86/include/uapi/asm/bootparam.h; blocks Zapotec leaves zero
// are kept as opaque bytes.
#pragma pack(push, 1)
struct BootParams {
    uint8_t screen_info[0x40];
    uint8_t apm_bios_info[0x14];
    uint8_t pad2[4];
    uint64_t tboot_addr;
    uint8_t ist_info[0x10];
    uint64_t acpi_rsdp_addr;
    uint8_t pad3[8];
    uint8_t hd0_info[16];
    uint8_t hd1_info[16];
    uint8_t sys_desc_table[0x10];
    uint8_t olpc_ofw_header[0x10];
    uint32_t ext_ramdisk_image;
    uint32_t ext_ramdisk_size;
    uint32_t ext_cmd_line_ptr;
    uint8_t pad4[112];
    uint32_t cc_blob_address;
    uint8_t edid_info[0x80];
    uint8_t efi_info[0x20];
    uint32_t alt_mem_k;
    uint32_t scratch;
    uint8_t e820_entries;
    uint8_t eddbuf_entries;
    uint8_t edd_mbr_sig_buf_entries;
    uint8_t kbd_status;
    uint8_t secure_boot;
    uint8_t pad5[2];
    uint8_t sentinel;
    uint8_t pad6[1];
    SetupHeader hdr;
    uint8_t pad7[0x290 - 0x1f1 - sizeof(SetupHeader)];
    uint32_t edd_mbr_sig_buffer[16];
    E820Entry e820_table[kE820MaxEntries];
    uint8_t pad8[48];
    uint8_t eddbuf[6 * 82];
    uint8_t pad9[276];
};
#pragma pack(pop)
static_assert(sizeof(BootParams) == 4096);
static_assert(offsetof(BootParams, acpi_rsdp_addr) == 0x070);
static_assert(offsetof(BootParams, ext_ramdisk_image) == 0x0c0);
static_assert(offsetof(BootParams, ext_ramdisk_size) == 0x0c4);
static_assert(offsetof(BootParams, ext_cmd_line_ptr) == 0x0c8);
static_assert(offsetof(BootParams, cc_blob_address) == 0x13c);
static_assert(offsetof(BootParams, edid_info) == 0x140);
static_assert(offsetof(BootParams, e820_entries) == 0x1e8);
static_assert(offsetof(BootParams, sentinel) == 0x1ef);
static_assert(offsetof(BootParams, hdr) == kSetupHeaderOffset);
static_assert(offsetof(BootParams, edd_mbr_sig_buffer) == 0x290);
static_assert(offsetof(BootParams, e820_table) == 0x2d0);
static_assert(offsetof(BootParams, eddbuf) == 0xd00);

// hvm_start_info and friends from xen/include/public/arch-x86/hvm/start_info.h.
inline constexpr uint32_t kHvmStartMagic = 0x336ec578;
inline constexpr uint32_t kHvmStartInfoVersion = 1;  // Version 1 adds the memory map.

struct HvmStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
static_assert(sizeof(HvmStartInfo) == 56);
static_assert(offsetof(HvmStartInfo, memmap_paddr) == 40);

struct HvmModlistEntry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};
static_assert(sizeof(HvmModlistEntry) == 32);

// `type` uses the e820 numbering: 1 RAM, 2 reserved.
struct HvmMemmapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};
static_assert(sizeof(HvmMemmapEntry) == 24);

// heap_end_ptr: the setup heap ends 64 KiB after the start of the real-mode code.
inline constexpr uint16_t kSetupHeapEnd = 0xfe00;
// type_of_loader 0xff: "undefined" boot loader.
inline constexpr uint8_t kLoaderTypeUndefined = 0xff;

// The zero page for a bzImage: the kernel's own setup header with the loader's fields filled
// in, the e820 map and (protocol 2.14 and later) the RSDP address; an rsdp of 0 means none.
[[nodiscard]] Result<BootParams> build_linux_boot_params(
    const KernelImage& kernel, const CmdlinePlacement& cmdline,
    const std::optional<InitrdPlacement>& initrd, std::span<const E820Entry> e820,
    GuestAddress rsdp);

// Builds the zero page as above and writes it at kZeroPageAddress.
[[nodiscard]] Result<> write_linux_boot_params(const GuestMemory& memory, const KernelImage& kernel,
                                               const CmdlinePlacement& cmdline,
                                               const std::optional<InitrdPlacement>& initrd,
                                               std::span<const E820Entry> e820, GuestAddress rsdp);

// Writes hvm_start_info at kPvhStartInfoAddress, followed by its module list (the initrd, if
// any) and its memory map, all below kZeroPageAddress. The vCPU enters the PVH entry with
// %ebx = kPvhStartInfoAddress.
[[nodiscard]] Result<> write_pvh_start_info(const GuestMemory& memory,
                                            const CmdlinePlacement& cmdline,
                                            const std::optional<InitrdPlacement>& initrd,
                                            std::span<const E820Entry> e820, GuestAddress rsdp);

}  // namespace zapotec::x86_64
