// ELF vmlinux parsing and loading with the PVH entry note, on synthetic ELF files.
#include "loader/elf_pvh.hpp"

#include <gtest/gtest.h>

#include "loader/kernel_loader.hpp"
#include "test_images.hpp"

namespace zapotec {
namespace {

using test::ElfSegmentSpec;
using test::ElfSpec;
using test::kMiB;
using test::make_elf;
using test::make_memory;

TEST(ElfPvh, FindsThe64BitEntryNote) {
    auto parsed = parse_elf_pvh(make_elf());
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(parsed->image.format, KernelFormat::kElfPvh);
    EXPECT_EQ(parsed->image.entry.value, 16 * kMiB + 0x100);
    EXPECT_EQ(parsed->image.load_address.value, 16 * kMiB);
    EXPECT_EQ(parsed->image.end, 16 * kMiB + 0x3000);
}

TEST(ElfPvh, FindsThe32BitEntryNote) {
    auto parsed = parse_elf_pvh(make_elf(ElfSpec{.with_other_note = false, .entry_size = 4}));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(parsed->image.entry.value, 16 * kMiB + 0x100);
}

TEST(ElfPvh, WithoutTheNoteItFails) {
    auto parsed = parse_elf_pvh(make_elf(ElfSpec{.with_pvh_note = false}));
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().message(), "ELF kernel has no PVH entry note");
}

TEST(ElfPvh, LoadCopiesSegmentsAndZeroesTheirTails) {
    auto memory = make_memory(64 * kMiB);
    // Dirty the bss first, to see that loading clears it.
    std::vector<uint8_t> junk(0x1000, 0xaa);
    ASSERT_TRUE(memory.write(GuestAddress(16 * kMiB + 0x2000), junk).has_value());
    ElfSpec spec;
    spec.segments.push_back(
        ElfSegmentSpec{.paddr = 20 * kMiB, .file_size = 0x10, .memory_size = 0x10});
    auto loaded = load_kernel_image(memory, make_elf(spec));
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
    EXPECT_EQ(loaded->end, 20 * kMiB + 0x10);
    EXPECT_EQ(*memory.read_obj<uint8_t>(GuestAddress(16 * kMiB + 0x1fff)),
              test::payload_byte(0x1fff));
    EXPECT_EQ(*memory.read_obj<uint8_t>(GuestAddress(16 * kMiB + 0x2000)), 0);
    EXPECT_EQ(*memory.read_obj<uint8_t>(GuestAddress(16 * kMiB + 0x2fff)), 0);
    EXPECT_EQ(*memory.read_obj<uint8_t>(GuestAddress(20 * kMiB + 5)), test::payload_byte(5));
}

TEST(ElfPvh, RejectsBadSegments) {
    struct Case {
        const char* what;
        ElfSegmentSpec segment;
        const char* message;
    };
    std::vector<Case> cases{
        {"below 1 MiB", {.paddr = 0x8000}, "boot data"},
        {"file larger than memory", {.file_size = 0x4000, .memory_size = 0x1000}, "more file"},
        {"wraps", {.paddr = ~0ull - 0x1000, .file_size = 0, .memory_size = 0x2000}, "wraps"},
    };
    for (const auto& c : cases) {
        auto parsed = parse_elf_pvh(make_elf(ElfSpec{.segments = {c.segment}}));
        ASSERT_FALSE(parsed.has_value()) << c.what;
        EXPECT_NE(parsed.error().message().find(c.message), std::string::npos)
            << c.what << ": " << parsed.error().message();
    }
}

TEST(ElfPvh, RejectsAnEntryOutsideTheSegments) {
    auto parsed = parse_elf_pvh(make_elf(ElfSpec{.entry = 0x2000000}));
    ASSERT_FALSE(parsed.has_value());
    EXPECT_NE(parsed.error().message().find("outside"), std::string::npos);
}

TEST(ElfPvh, RejectsSegmentsOutsideGuestMemory) {
    auto memory = make_memory(8 * kMiB);
    auto loaded = load_kernel_image(memory, make_elf());
    ASSERT_FALSE(loaded.has_value());
}

TEST(ElfPvh, RejectsOtherMachinesAndBrokenHeaders) {
    auto wrong_class = make_elf();
    wrong_class[EI_CLASS] = ELFCLASS32;
    EXPECT_FALSE(parse_elf_pvh(wrong_class).has_value());

    auto wrong_machine = make_elf();
    wrong_machine[offsetof(Elf64_Ehdr, e_machine)] = EM_AARCH64;
    EXPECT_FALSE(parse_elf_pvh(wrong_machine).has_value());

    auto far_headers = make_elf();
    uint64_t far = 1ull << 40;
    std::memcpy(far_headers.data() + offsetof(Elf64_Ehdr, e_phoff), &far, sizeof(far));
    auto parsed = parse_elf_pvh(far_headers);
    ASSERT_FALSE(parsed.has_value());
    EXPECT_NE(parsed.error().message().find("program headers"), std::string::npos);
}

TEST(ElfPvh, EveryTruncationFailsCleanly) {
    auto file = make_elf();
    for (size_t length = 0; length < file.size(); length += (length < 0x400 ? 1 : 0x100)) {
        auto parsed = parse_kernel_image(std::span(file.data(), length));
        EXPECT_FALSE(parsed.has_value()) << length;
    }
}

}  // namespace
}  // namespace zapotec
