// bzImage parsing and loading, on synthetic images built by the test.
#include "loader/bzimage.hpp"

#include <gtest/gtest.h>

#include "arch/x86_64/layout.hpp"
#include "loader/kernel_loader.hpp"
#include "test_images.hpp"

namespace zapotec {
namespace {

using test::BzImageSpec;
using test::kMiB;
using test::make_bzimage;
using test::make_memory;

TEST(BzImage, ParsesTheSetupHeader) {
    auto parsed = parse_bzimage(make_bzimage());
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    const KernelImage& image = parsed->image;
    EXPECT_EQ(image.format, KernelFormat::kBzImage);
    EXPECT_EQ(image.load_address.value, x86_64::kHighMemoryStart);
    EXPECT_EQ(image.entry.value, x86_64::kHighMemoryStart + 0x200);
    EXPECT_EQ(image.boot_protocol, 0x020f);
    EXPECT_EQ(image.initrd_addr_max, 0x7fffffffu);
    EXPECT_EQ(image.kernel_alignment, 0x200000u);
    EXPECT_EQ(image.init_size, 8 * kMiB);
    EXPECT_TRUE(image.relocatable);
    EXPECT_EQ(image.xloadflags, kXLoadFlagKernel64 | kXLoadFlagCanBeLoadedAbove4G);
    EXPECT_EQ(image.cmdline_size, 2047u);
    EXPECT_EQ(image.pref_address, 16 * kMiB);
    EXPECT_EQ(image.version, "6.1.0-test (zapotec) #1 SMP");
    // Decompression happens at pref_address (16 MiB) and needs init_size bytes there.
    EXPECT_EQ(image.end, 24 * kMiB);
    EXPECT_EQ(+image.setup_header.header, kSetupHeaderMagic);
    EXPECT_EQ(+image.setup_header.kernel_info_offset, 0x1234u);

    ASSERT_EQ(parsed->segments.size(), 1u);
    EXPECT_EQ(parsed->segments[0].file_offset, 5u * 512);
    EXPECT_EQ(parsed->segments[0].file_size, 0x3000u);
    EXPECT_EQ(parsed->segments[0].address.value, x86_64::kHighMemoryStart);
}

TEST(BzImage, SetupSectsZeroMeansFour) {
    BzImageSpec spec;
    spec.setup_sects = 0;
    auto parsed = parse_bzimage(make_bzimage(spec));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(parsed->segments[0].file_offset, 5u * 512);
}

TEST(BzImage, MoreSetupSectorsMoveTheKernel) {
    BzImageSpec spec;
    spec.setup_sects = 30;
    auto parsed = parse_bzimage(make_bzimage(spec));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(parsed->segments[0].file_offset, 31u * 512);
    EXPECT_EQ(parsed->segments[0].file_size, spec.protected_mode_size);
}

TEST(BzImage, CopiesTheHeaderOnlyUpToItsDeclaredEnd) {
    BzImageSpec spec;
    spec.version = 0x020c;
    spec.header_length = 0x66;  // A 2.12 header ends at 0x268, before kernel_info_offset.
    auto parsed = parse_bzimage(make_bzimage(spec));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(+parsed->image.setup_header.kernel_info_offset, 0u);
    EXPECT_EQ(+parsed->image.setup_header.init_size, spec.init_size);
}

TEST(BzImage, NonRelocatableKernelRunsAtPrefAddress) {
    BzImageSpec spec;
    spec.relocatable = 0;
    spec.pref_address = 32 * kMiB;
    auto parsed = parse_bzimage(make_bzimage(spec));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(parsed->image.end, 40 * kMiB);
}

TEST(BzImage, RejectsWhatItCannotBoot) {
    struct Case {
        const char* what;
        BzImageSpec spec;
        const char* message;
    };
    std::vector<Case> cases;
    cases.push_back({"old protocol", BzImageSpec{.version = 0x020b}, "2.11"});
    cases.push_back({"no 64-bit entry", BzImageSpec{.xloadflags = 0}, "64-bit"});
    cases.push_back({"zImage", BzImageSpec{.loadflags = 0}, "zImage"});
    cases.push_back({"bad boot flag", BzImageSpec{.boot_flag = 0x1234}, "boot_flag"});
    cases.push_back({"short header", BzImageSpec{.header_length = 0x20}, "ends at"});
    cases.push_back({"no kernel", BzImageSpec{.protected_mode_size = 0x100}, "truncated"});
    for (const auto& c : cases) {
        auto parsed = parse_bzimage(make_bzimage(c.spec));
        ASSERT_FALSE(parsed.has_value()) << c.what;
        EXPECT_NE(parsed.error().message().find(c.message), std::string::npos)
            << c.what << ": " << parsed.error().message();
    }
}

TEST(BzImage, EveryTruncationFailsCleanly) {
    auto image = make_bzimage();
    for (size_t length = 0; length < 5 * 512 + 0x200 + 1; ++length) {
        auto parsed = parse_kernel_image(std::span(image.data(), length));
        EXPECT_FALSE(parsed.has_value()) << length;
    }
}

TEST(BzImage, LoadCopiesTheProtectedModeKernelTo1MiB) {
    auto memory = make_memory(64 * kMiB);
    auto image = make_bzimage();
    auto loaded = load_kernel_image(memory, image);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
    std::vector<uint8_t> copied(0x3000);
    ASSERT_TRUE(memory.read(GuestAddress(x86_64::kHighMemoryStart), copied).has_value());
    for (size_t i = 0; i < copied.size(); ++i)
        ASSERT_EQ(copied[i], test::payload_byte(i)) << i;
}

TEST(BzImage, LoadFailsWhenInitSizeDoesNotFit) {
    auto memory = make_memory(20 * kMiB);  // The kernel needs up to 24 MiB.
    auto loaded = load_kernel_image(memory, make_bzimage());
    ASSERT_FALSE(loaded.has_value());
    EXPECT_NE(loaded.error().message().find("0x1800000"), std::string::npos)
        << loaded.error().message();
}

TEST(BzImage, LoadKernelReadsAFile) {
    auto memory = make_memory(64 * kMiB);
    test::TempFile file(make_bzimage());
    auto loaded = load_kernel(memory, file.path());
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
    EXPECT_EQ(loaded->format, KernelFormat::kBzImage);
}

}  // namespace
}  // namespace zapotec
