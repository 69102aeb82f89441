// Fills the Linux zero page and the PVH start info from what the loaders placed in memory.
#include "arch/x86_64/boot_params.hpp"

#include <algorithm>

#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64 {

namespace {

uint32_t low32(uint64_t value) {
    return static_cast<uint32_t>(value);
}
uint32_t high32(uint64_t value) {
    return static_cast<uint32_t>(value >> 32);
}

Result<> check_e820_size(std::span<const E820Entry> e820) {
    if (e820.empty() || e820.size() > kE820MaxEntries)
        return make_error("e820 map has {} entries; 1 to {} fit", e820.size(), kE820MaxEntries);
    return {};
}

uint64_t align8(uint64_t value) {
    return (value + 7) & ~uint64_t{7};
}

}  // namespace

Result<BootParams> build_linux_boot_params(const KernelImage& kernel,
                                           const CmdlinePlacement& cmdline,
                                           const std::optional<InitrdPlacement>& initrd,
                                           std::span<const E820Entry> e820, GuestAddress rsdp) {
    if (kernel.format != KernelFormat::kBzImage)
        return make_error("boot_params are only for bzImage kernels");
    TRY(check_e820_size(e820));

    BootParams params{};
    params.hdr = kernel.setup_header;
    params.hdr.type_of_loader = kLoaderTypeUndefined;
    params.hdr.loadflags |= kLoadFlagLoadedHigh | kLoadFlagCanUseHeap;
    params.hdr.heap_end_ptr = kSetupHeapEnd;
    params.hdr.cmd_line_ptr = low32(cmdline.address.value);
    params.ext_cmd_line_ptr = high32(cmdline.address.value);
    if (initrd) {
        params.hdr.ramdisk_image = low32(initrd->address.value);
        params.hdr.ramdisk_size = low32(initrd->size);
        params.ext_ramdisk_image = high32(initrd->address.value);
        params.ext_ramdisk_size = high32(initrd->size);
    }
    params.e820_entries = static_cast<uint8_t>(e820.size());
    std::copy(e820.begin(), e820.end(), params.e820_table);
    // Older kernels find the RSDP by scanning the BIOS area, where it also is.
    if (kernel.boot_protocol >= kBootProtocol2_14)
        params.acpi_rsdp_addr = rsdp.value;
    return params;
}

Result<> write_linux_boot_params(const GuestMemory& memory, const KernelImage& kernel,
                                 const CmdlinePlacement& cmdline,
                                 const std::optional<InitrdPlacement>& initrd,
                                 std::span<const E820Entry> e820, GuestAddress rsdp) {
    BootParams params = TRY(build_linux_boot_params(kernel, cmdline, initrd, e820, rsdp));
    return memory.write_obj(GuestAddress(kZeroPageAddress), params);
}

Result<> write_pvh_start_info(const GuestMemory& memory, const CmdlinePlacement& cmdline,
                              const std::optional<InitrdPlacement>& initrd,
                              std::span<const E820Entry> e820, GuestAddress rsdp) {
    TRY(check_e820_size(e820));
    const uint64_t start = kPvhStartInfoAddress;
    const uint64_t modlist = align8(start + sizeof(HvmStartInfo));
    const uint64_t memmap = modlist + (initrd ? sizeof(HvmModlistEntry) : 0);
    const uint64_t end = memmap + e820.size() * sizeof(HvmMemmapEntry);
    if (end > kZeroPageAddress)
        return make_error("PVH start info ends at {:#x}, past {:#x}", end, kZeroPageAddress);

    HvmStartInfo info{};
    info.magic = kHvmStartMagic;
    info.version = kHvmStartInfoVersion;
    info.cmdline_paddr = cmdline.address.value;
    info.rsdp_paddr = rsdp.value;
    info.memmap_paddr = memmap;
    info.memmap_entries = static_cast<uint32_t>(e820.size());
    if (initrd) {
        info.nr_modules = 1;
        info.modlist_paddr = modlist;
        HvmModlistEntry module{};
        module.paddr = initrd->address.value;
        module.size = initrd->size;
        TRY(memory.write_obj(GuestAddress(modlist), module));
    }
    for (size_t i = 0; i < e820.size(); ++i) {
        HvmMemmapEntry entry{e820[i].address, e820[i].size, static_cast<uint32_t>(e820[i].type), 0};
        TRY(memory.write_obj(GuestAddress(memmap + i * sizeof(HvmMemmapEntry)), entry));
    }
    return memory.write_obj(GuestAddress(start), info);
}

}  // namespace zapotec::x86_64
