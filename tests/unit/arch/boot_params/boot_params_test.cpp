// The Linux zero page and the PVH start info: offsets, contents and placement.
#include "arch/x86_64/boot_params.hpp"

#include <gtest/gtest.h>

#include "../../loader/test_images.hpp"
#include "arch/x86_64/layout.hpp"
#include "loader/bzimage.hpp"

namespace zapotec::x86_64 {
namespace {

using test::kMiB;

struct Inputs {
    KernelImage kernel;
    CmdlinePlacement cmdline{GuestAddress(kCmdlineAddress), 14};
    InitrdPlacement initrd{GuestAddress(0x3f00000), 0x12345};
    std::vector<E820Entry> e820;
    GuestAddress rsdp{kRsdpAddress};
};

Inputs make_inputs(const GuestMemory& memory, test::BzImageSpec spec = {}) {
    Inputs inputs;
    auto parsed = parse_bzimage(test::make_bzimage(spec));
    EXPECT_TRUE(parsed.has_value());
    inputs.kernel = parsed->image;
    inputs.e820 = *build_e820(memory);
    return inputs;
}

template <class T>
T at(const std::vector<uint8_t>& bytes, size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

TEST(BootParams, ZeroPageHoldsTheLoaderFieldsAtTheirOffsets) {
    auto memory = test::make_memory(64 * kMiB);
    Inputs in = make_inputs(memory);
    ASSERT_TRUE(write_linux_boot_params(memory, in.kernel, in.cmdline, in.initrd, in.e820, in.rsdp)
                    .has_value());
    std::vector<uint8_t> page(4096);
    ASSERT_TRUE(memory.read(GuestAddress(kZeroPageAddress), page).has_value());

    EXPECT_EQ(at<uint64_t>(page, 0x070), kRsdpAddress);                 // acpi_rsdp_addr
    EXPECT_EQ(at<uint32_t>(page, 0x0c0), 0u);                           // ext_ramdisk_image
    EXPECT_EQ(at<uint32_t>(page, 0x0c8), 0u);                           // ext_cmd_line_ptr
    EXPECT_EQ(page[0x1e8], 3);                                          // e820_entries
    EXPECT_EQ(at<uint32_t>(page, 0x202), kSetupHeaderMagic);            // header
    EXPECT_EQ(at<uint16_t>(page, 0x206), 0x020f);                       // version
    EXPECT_EQ(page[0x210], 0xff);                                       // type_of_loader
    EXPECT_EQ(page[0x211], kLoadFlagLoadedHigh | kLoadFlagCanUseHeap);  // loadflags
    EXPECT_EQ(at<uint32_t>(page, 0x218), 0x3f00000u);                   // ramdisk_image
    EXPECT_EQ(at<uint32_t>(page, 0x21c), 0x12345u);                     // ramdisk_size
    EXPECT_EQ(at<uint16_t>(page, 0x224), kSetupHeapEnd);                // heap_end_ptr
    EXPECT_EQ(at<uint32_t>(page, 0x228), kCmdlineAddress);              // cmd_line_ptr
    EXPECT_EQ(at<uint32_t>(page, 0x238), 2047u);                        // cmdline_size
    EXPECT_EQ(at<uint32_t>(page, 0x260), 8 * kMiB);                     // init_size
    // e820_table[2]: RAM from 1 MiB.
    EXPECT_EQ(at<uint64_t>(page, 0x2d0 + 2 * 20), kHighMemoryStart);
    EXPECT_EQ(at<uint64_t>(page, 0x2d0 + 2 * 20 + 8), 63 * kMiB);
    EXPECT_EQ(at<uint32_t>(page, 0x2d0 + 2 * 20 + 16), 1u);
    EXPECT_EQ(page[0x1ef], 0);  // sentinel
}

TEST(BootParams, OldProtocolGetsNoRsdpAddress) {
    auto memory = test::make_memory(64 * kMiB);
    Inputs in = make_inputs(memory, test::BzImageSpec{.version = 0x020d});
    auto params = build_linux_boot_params(in.kernel, in.cmdline, in.initrd, in.e820, in.rsdp);
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(+params->acpi_rsdp_addr, 0u);
}

TEST(BootParams, NoInitrdLeavesTheRamdiskFieldsZero) {
    auto memory = test::make_memory(64 * kMiB);
    Inputs in = make_inputs(memory);
    auto params = build_linux_boot_params(in.kernel, in.cmdline, std::nullopt, in.e820, in.rsdp);
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(+params->hdr.ramdisk_image, 0u);
    EXPECT_EQ(+params->hdr.ramdisk_size, 0u);
}

TEST(BootParams, HighAddressesUseTheExtFields) {
    auto memory = test::make_memory(64 * kMiB);
    Inputs in = make_inputs(memory);
    in.initrd = InitrdPlacement{GuestAddress(0x1'2345'6000), 0x1'0000'0001};
    in.cmdline.address = GuestAddress(0x2'0000'1000);
    auto params = build_linux_boot_params(in.kernel, in.cmdline, in.initrd, in.e820, in.rsdp);
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(+params->hdr.ramdisk_image, 0x2345'6000u);
    EXPECT_EQ(+params->ext_ramdisk_image, 1u);
    EXPECT_EQ(+params->hdr.ramdisk_size, 1u);
    EXPECT_EQ(+params->ext_ramdisk_size, 1u);
    EXPECT_EQ(+params->hdr.cmd_line_ptr, 0x1000u);
    EXPECT_EQ(+params->ext_cmd_line_ptr, 2u);
}

TEST(BootParams, RejectsElfKernelsAndBadE820) {
    auto memory = test::make_memory(64 * kMiB);
    Inputs in = make_inputs(memory);
    KernelImage elf = in.kernel;
    elf.format = KernelFormat::kElfPvh;
    EXPECT_FALSE(build_linux_boot_params(elf, in.cmdline, in.initrd, in.e820, in.rsdp).has_value());
    std::vector<E820Entry> too_many(kE820MaxEntries + 1, in.e820[0]);
    EXPECT_FALSE(
        build_linux_boot_params(in.kernel, in.cmdline, in.initrd, too_many, in.rsdp).has_value());
}

TEST(PvhStartInfo, DescribesCmdlineRsdpInitrdAndMemory) {
    auto memory = test::make_memory(64 * kMiB);
    Inputs in = make_inputs(memory);
    ASSERT_TRUE(write_pvh_start_info(memory, in.cmdline, in.initrd, in.e820, in.rsdp).has_value());

    auto info = *memory.read_obj<HvmStartInfo>(GuestAddress(kPvhStartInfoAddress));
    EXPECT_EQ(info.magic, 0x336ec578u);
    EXPECT_EQ(info.version, 1u);
    EXPECT_EQ(info.cmdline_paddr, kCmdlineAddress);
    EXPECT_EQ(info.rsdp_paddr, kRsdpAddress);
    ASSERT_EQ(info.nr_modules, 1u);
    auto module = *memory.read_obj<HvmModlistEntry>(GuestAddress(info.modlist_paddr));
    EXPECT_EQ(module.paddr, 0x3f00000u);
    EXPECT_EQ(module.size, 0x12345u);
    ASSERT_EQ(info.memmap_entries, 3u);
    EXPECT_GE(info.memmap_paddr, info.modlist_paddr + sizeof(HvmModlistEntry));
    EXPECT_LE(info.memmap_paddr + 3 * sizeof(HvmMemmapEntry), kZeroPageAddress);
    for (uint32_t i = 0; i < 3; ++i) {
        auto entry = *memory.read_obj<HvmMemmapEntry>(
            GuestAddress(info.memmap_paddr + i * sizeof(HvmMemmapEntry)));
        EXPECT_EQ(entry.addr, +in.e820[i].address);
        EXPECT_EQ(entry.size, +in.e820[i].size);
        EXPECT_EQ(entry.type, static_cast<uint32_t>(in.e820[i].type));
    }
}

TEST(PvhStartInfo, WithoutInitrdThereAreNoModules) {
    auto memory = test::make_memory(64 * kMiB);
    Inputs in = make_inputs(memory);
    ASSERT_TRUE(
        write_pvh_start_info(memory, in.cmdline, std::nullopt, in.e820, in.rsdp).has_value());
    auto info = *memory.read_obj<HvmStartInfo>(GuestAddress(kPvhStartInfoAddress));
    EXPECT_EQ(info.nr_modules, 0u);
    EXPECT_EQ(info.modlist_paddr, 0u);
}

}  // namespace
}  // namespace zapotec::x86_64
