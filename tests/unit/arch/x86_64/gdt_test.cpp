// Tests of descriptor encoding, descriptor -> kvm_segment and the boot GDT in guest memory.
#include "arch/x86_64/gdt.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace zapotec::x86_64 {
namespace {

TEST(GdtEntry, EncodesTheBootDescriptors) {
    EXPECT_EQ(gdt_entry(0xa09b, 0, 0xfffff), 0x00af9b000000ffffull);
    EXPECT_EQ(gdt_entry(0xc09b, 0, 0xfffff), 0x00cf9b000000ffffull);
    EXPECT_EQ(gdt_entry(0xc093, 0, 0xfffff), 0x00cf93000000ffffull);
    EXPECT_EQ(gdt_entry(0x008b, 0, 0x67), 0x00008b0000000067ull);
    EXPECT_EQ(gdt_entry(0x808b, 0, 0xfffff), 0x008f8b000000ffffull);
}

TEST(GdtEntry, SpreadsBaseAndLimit) {
    EXPECT_EQ(gdt_entry(0x4093, 0x12345678, 0xabcde), 0x124a93345678bcdeull);
}

TEST(SegmentFromGdtEntry, Code64) {
    const kvm_segment s = segment_from_gdt_entry(gdt_entry(kCode64Flags, 0, kFlatLimit), 0x10);
    EXPECT_EQ(s.selector, 0x10);
    EXPECT_EQ(s.base, 0u);
    EXPECT_EQ(s.limit, 0xffffffffu);  // 0xfffff pages of 4 KiB.
    EXPECT_EQ(s.type, 0xb);           // Execute/read, accessed.
    EXPECT_EQ(s.present, 1);
    EXPECT_EQ(s.dpl, 0);
    EXPECT_EQ(s.s, 1);
    EXPECT_EQ(s.l, 1);
    EXPECT_EQ(s.db, 0);
    EXPECT_EQ(s.g, 1);
    EXPECT_EQ(s.avl, 0);
    EXPECT_EQ(s.unusable, 0);
}

TEST(SegmentFromGdtEntry, Code32AndData) {
    const kvm_segment code = segment_from_gdt_entry(gdt_entry(kCode32Flags, 0, kFlatLimit), 8);
    EXPECT_EQ(code.type, 0xb);
    EXPECT_EQ(code.db, 1);
    EXPECT_EQ(code.l, 0);
    const kvm_segment data = segment_from_gdt_entry(gdt_entry(kDataFlags, 0, kFlatLimit), 0x18);
    EXPECT_EQ(data.selector, 0x18);
    EXPECT_EQ(data.type, 0x3);  // Read/write, accessed.
    EXPECT_EQ(data.db, 1);
    EXPECT_EQ(data.l, 0);
    EXPECT_EQ(data.s, 1);
    EXPECT_EQ(data.limit, 0xffffffffu);
}

TEST(SegmentFromGdtEntry, TssIsASystemSegmentWithAByteLimit) {
    const kvm_segment tss = segment_from_gdt_entry(gdt_entry(kTssFlags, 0, kTssLimit), 8);
    EXPECT_EQ(tss.type, 0xb);  // Busy TSS.
    EXPECT_EQ(tss.s, 0);
    EXPECT_EQ(tss.g, 0);
    EXPECT_EQ(tss.limit, 0x67u);
    EXPECT_EQ(tss.present, 1);
}

TEST(SegmentFromGdtEntry, BaseLimitGranularityDplAvl) {
    // Present, DPL 3, data; flags G and AVL.
    const uint16_t flags = kSegmentGranularity | (1u << 12) | kSegmentPresent | (3u << 5) |
                           kSegmentCodeOrData | kSegmentReadWrite;
    const kvm_segment s = segment_from_gdt_entry(gdt_entry(flags, 0xfedcba98, 0x12345), 0x2b);
    EXPECT_EQ(s.base, 0xfedcba98u);
    EXPECT_EQ(s.limit, 0x12345fffu);
    EXPECT_EQ(s.dpl, 3);
    EXPECT_EQ(s.avl, 1);
    EXPECT_EQ(s.selector, 0x2b);
    const kvm_segment bytes = segment_from_gdt_entry(gdt_entry(0x0093, 0x1000, 0xffff), 0x18);
    EXPECT_EQ(bytes.limit, 0xffffu);
    EXPECT_EQ(bytes.g, 0);
}

TEST(SegmentFromGdtEntry, NullDescriptorIsUnusable) {
    const kvm_segment s = segment_from_gdt_entry(0, 0);
    EXPECT_EQ(s.present, 0);
    EXPECT_EQ(s.unusable, 1);
}

TEST(BootGdt, SlotsFollowTheLinuxBootProtocol) {
    EXPECT_EQ(selector(GdtSlot::Code), 0x10);  // __BOOT_CS
    EXPECT_EQ(selector(GdtSlot::Data), 0x18);  // __BOOT_DS
    EXPECT_EQ(selector(GdtSlot::Tss), 0x08);
    const auto gdt = boot_gdt(CpuMode::Long64);
    EXPECT_EQ(gdt[0], 0u);
    EXPECT_EQ(gdt[1], gdt_entry(0x008b, 0, 0x67));
    EXPECT_EQ(gdt[2], gdt_entry(0xa09b, 0, 0xfffff));
    EXPECT_EQ(gdt[3], gdt_entry(0xc093, 0, 0xfffff));
    const auto pvh = boot_gdt(CpuMode::Protected32);
    EXPECT_EQ(pvh[2], gdt_entry(0xc09b, 0, 0xfffff));
    EXPECT_EQ(pvh[3], gdt[3]);
    EXPECT_EQ(boot_segment(CpuMode::Long64, GdtSlot::Code).l, 1);
    EXPECT_EQ(boot_segment(CpuMode::Protected32, GdtSlot::Code).db, 1);
}

TEST(BootGdt, WritesTheGdtAndAnEmptyIdt) {
    auto memory = GuestMemory::create({{GuestAddress(0), 0x10000}});
    ASSERT_TRUE(memory.has_value());
    const std::vector<uint8_t> garbage(0x100, 0xff);
    ASSERT_TRUE(memory->write(GuestAddress(kGdtAddress), garbage).has_value());

    for (CpuMode mode : {CpuMode::Long64, CpuMode::Protected32}) {
        auto written = write_boot_gdt(*memory, mode);
        ASSERT_TRUE(written.has_value()) << written.error().message();
        const auto expected = boot_gdt(mode);
        for (std::size_t i = 0; i < expected.size(); ++i) {
            auto entry = memory->read_obj<uint64_t>(GuestAddress(kGdtAddress + 8 * i));
            ASSERT_TRUE(entry.has_value());
            EXPECT_EQ(*entry, expected[i]) << "slot " << i;
        }
        for (uint64_t offset = 0; offset < kBootIdtSize; ++offset) {
            auto byte = memory->read_obj<uint8_t>(GuestAddress(kIdtAddress + offset));
            ASSERT_TRUE(byte.has_value());
            EXPECT_EQ(*byte, 0);
        }
        // The byte after the IDT is not ours to touch.
        EXPECT_EQ(*memory->read_obj<uint8_t>(GuestAddress(kIdtAddress + kBootIdtSize)), 0xff);
    }
}

TEST(BootGdt, FailsWithoutLowMemory) {
    auto memory = GuestMemory::create({{GuestAddress(0x100000), 0x1000}});
    ASSERT_TRUE(memory.has_value());
    auto written = write_boot_gdt(*memory, CpuMode::Long64);
    ASSERT_FALSE(written.has_value());
    EXPECT_NE(written.error().message().find("boot GDT"), std::string::npos);
}

}  // namespace
}  // namespace zapotec::x86_64
