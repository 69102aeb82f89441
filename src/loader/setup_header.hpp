// The Linux x86 boot protocol's setup header (Documentation/arch/x86/boot.rst), as found at
// offset 0x1f1 of a bzImage and copied into the zero page (boot_params) by the loader.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zapotec {

// Offsets in the bzImage file; the header sits at the same offsets in boot_params.
inline constexpr uint64_t kSetupHeaderOffset = 0x1f1;
inline constexpr uint32_t kSetupHeaderMagic = 0x53726448;  // "HdrS"
inline constexpr uint16_t kBootFlagMagic = 0xaa55;
// The 64-bit entry point lies this far into the protected-mode kernel.
inline constexpr uint64_t kBzImage64BitEntryOffset = 0x200;

// loadflags bits.
inline constexpr uint8_t kLoadFlagLoadedHigh = 0x01;
inline constexpr uint8_t kLoadFlagKeepSegments = 0x40;
inline constexpr uint8_t kLoadFlagCanUseHeap = 0x80;
// xloadflags bits.
inline constexpr uint16_t kXLoadFlagKernel64 = 0x01;
inline constexpr uint16_t kXLoadFlagCanBeLoadedAbove4G = 0x02;

// Boot protocol versions whose fields Zapotec relies on.
inline constexpr uint16_t kBootProtocol2_12 = 0x020c;  // xloadflags, 64-bit entry.
inline constexpr uint16_t kBootProtocol2_14 = 0x020e;  // acpi_rsdp_addr in boot_params.

#pragma pack(push, 1)
struct SetupHeader {
    uint8_t setup_sects;
    uint16_t root_flags;
    uint32_t syssize;
    uint16_t ram_size;
    uint16_t vid_mode;
    uint16_t root_dev;
    uint16_t boot_flag;
    uint16_t jump;
    uint32_t header;
    uint16_t version;
    uint32_t realmode_swtch;
    uint16_t start_sys_seg;
    uint16_t kernel_version;
    uint8_t type_of_loader;
    uint8_t loadflags;
    uint16_t setup_move_size;
    uint32_t code32_start;
    uint32_t ramdisk_image;
    uint32_t ramdisk_size;
    uint32_t bootsect_kludge;
    uint16_t heap_end_ptr;
    uint8_t ext_loader_ver;
    uint8_t ext_loader_type;
    uint32_t cmd_line_ptr;
    uint32_t initrd_addr_max;
    uint32_t kernel_alignment;
    uint8_t relocatable_kernel;
    uint8_t min_alignment;
    uint16_t xloadflags;
    uint32_t cmdline_size;
    uint32_t hardware_subarch;
    uint64_t hardware_subarch_data;
    uint32_t payload_offset;
    uint32_t payload_length;
    uint64_t setup_data;
    uint64_t pref_address;
    uint32_t init_size;
    uint32_t handover_offset;
    uint32_t kernel_info_offset;
};
#pragma pack(pop)

// Offsets are checked against boot.rst, relative to the start of the zero page / file.
#define ZAPOTEC_HDR_AT(field, offset) \
    static_assert(offsetof(SetupHeader, field) + kSetupHeaderOffset == (offset))
ZAPOTEC_HDR_AT(setup_sects, 0x1f1);
ZAPOTEC_HDR_AT(syssize, 0x1f4);
ZAPOTEC_HDR_AT(boot_flag, 0x1fe);
ZAPOTEC_HDR_AT(jump, 0x200);
ZAPOTEC_HDR_AT(header, 0x202);
ZAPOTEC_HDR_AT(version, 0x206);
ZAPOTEC_HDR_AT(kernel_version, 0x20e);
ZAPOTEC_HDR_AT(type_of_loader, 0x210);
ZAPOTEC_HDR_AT(loadflags, 0x211);
ZAPOTEC_HDR_AT(code32_start, 0x214);
ZAPOTEC_HDR_AT(ramdisk_image, 0x218);
ZAPOTEC_HDR_AT(ramdisk_size, 0x21c);
ZAPOTEC_HDR_AT(heap_end_ptr, 0x224);
ZAPOTEC_HDR_AT(cmd_line_ptr, 0x228);
ZAPOTEC_HDR_AT(initrd_addr_max, 0x22c);
ZAPOTEC_HDR_AT(kernel_alignment, 0x230);
ZAPOTEC_HDR_AT(relocatable_kernel, 0x234);
ZAPOTEC_HDR_AT(xloadflags, 0x236);
ZAPOTEC_HDR_AT(cmdline_size, 0x238);
ZAPOTEC_HDR_AT(setup_data, 0x250);
ZAPOTEC_HDR_AT(pref_address, 0x258);
ZAPOTEC_HDR_AT(init_size, 0x260);
ZAPOTEC_HDR_AT(kernel_info_offset, 0x268);
#undef ZAPOTEC_HDR_AT
static_assert(sizeof(SetupHeader) == 0x26c - kSetupHeaderOffset);

}  // namespace zapotec
