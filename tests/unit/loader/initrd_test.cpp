// Initrd placement limits and loading.
#include "loader/initrd.hpp"

#include <gtest/gtest.h>

#include "arch/x86_64/layout.hpp"
#include "loader/bzimage.hpp"
#include "test_images.hpp"

namespace zapotec {
namespace {

using test::kGiB;
using test::kMiB;
using test::make_memory;

KernelImage kernel_ending_at(uint64_t end, uint32_t initrd_addr_max = 0x7fffffff) {
    KernelImage kernel;
    kernel.end = end;
    kernel.initrd_addr_max = initrd_addr_max;
    return kernel;
}

TEST(Initrd, GoesPageAlignedToTheTopOfLowRam) {
    auto memory = make_memory(64 * kMiB);
    auto placement = place_initrd(memory, 10000, kernel_ending_at(24 * kMiB));
    ASSERT_TRUE(placement.has_value()) << placement.error().message();
    EXPECT_EQ(placement->address.value, (64 * kMiB - 10000) & ~0xfffull);
    EXPECT_EQ(placement->size, 10000u);
}

TEST(Initrd, StaysBelowInitrdAddrMax) {
    auto memory = make_memory(64 * kMiB);
    auto placement = place_initrd(memory, 0x1000, kernel_ending_at(24 * kMiB, 32 * kMiB - 1));
    ASSERT_TRUE(placement.has_value()) << placement.error().message();
    EXPECT_EQ(placement->address.value, 32 * kMiB - 0x1000);
}

TEST(Initrd, StaysBelowTheMmioHoleWithMemoryAbove4GiB) {
    auto memory = make_memory(3 * kGiB, 2 * kGiB);
    auto placement = place_initrd(memory, 0x1000, kernel_ending_at(24 * kMiB, 0xffffffff));
    ASSERT_TRUE(placement.has_value()) << placement.error().message();
    EXPECT_EQ(placement->address.value, x86_64::kMmioHoleStart - 0x1000);
}

TEST(Initrd, FitsExactlyAboveTheKernelButNotOneByteMore) {
    auto memory = make_memory(64 * kMiB);
    auto kernel = kernel_ending_at(24 * kMiB + 1);  // Rounded up to the next page.
    uint64_t room = 64 * kMiB - (24 * kMiB + 0x1000);
    auto fits = place_initrd(memory, room, kernel);
    ASSERT_TRUE(fits.has_value()) << fits.error().message();
    EXPECT_EQ(fits->address.value, 24 * kMiB + 0x1000);
    auto too_big = place_initrd(memory, room + 1, kernel);
    ASSERT_FALSE(too_big.has_value());
    EXPECT_NE(too_big.error().message().find("does not fit"), std::string::npos);
    EXPECT_FALSE(place_initrd(memory, 128 * kMiB, kernel).has_value());
    EXPECT_FALSE(place_initrd(memory, ~0ull, kernel).has_value());
}

TEST(Initrd, EmptyIsAnError) {
    auto memory = make_memory(64 * kMiB);
    EXPECT_FALSE(place_initrd(memory, 0, kernel_ending_at(24 * kMiB)).has_value());
}

TEST(Initrd, LoadReadsTheFileIntoPlace) {
    auto memory = make_memory(64 * kMiB);
    std::vector<uint8_t> contents(5000);
    for (size_t i = 0; i < contents.size(); ++i)
        contents[i] = static_cast<uint8_t>(i);
    test::TempFile file(contents);
    auto placement = load_initrd(memory, file.path(), kernel_ending_at(24 * kMiB));
    ASSERT_TRUE(placement.has_value()) << placement.error().message();
    std::vector<uint8_t> back(contents.size());
    ASSERT_TRUE(memory.read(placement->address, back).has_value());
    EXPECT_EQ(back, contents);
}

TEST(Initrd, LoadErrorsNameTheFile) {
    auto memory = make_memory(64 * kMiB);
    auto missing = load_initrd(memory, "/nonexistent/initrd.img", kernel_ending_at(24 * kMiB));
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().message().find("/nonexistent/initrd.img"), std::string::npos);

    test::TempFile big(std::vector<uint8_t>(64 * kMiB));
    auto too_big = load_initrd(memory, big.path(), kernel_ending_at(24 * kMiB));
    ASSERT_FALSE(too_big.has_value());
    EXPECT_NE(too_big.error().message().find(big.path()), std::string::npos);
}

}  // namespace
}  // namespace zapotec
