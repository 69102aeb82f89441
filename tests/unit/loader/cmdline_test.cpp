// Kernel command-line building, limits and placement.
#include "loader/cmdline.hpp"

#include <gtest/gtest.h>

#include "arch/x86_64/layout.hpp"
#include "test_images.hpp"

namespace zapotec {
namespace {

KernelImage kernel_with_limit(uint32_t cmdline_size) {
    KernelImage kernel;
    kernel.cmdline_size = cmdline_size;
    return kernel;
}

TEST(Cmdline, AppendJoinsWithSingleSpaces) {
    KernelCmdline cmdline;
    ASSERT_TRUE(cmdline.append("  console=ttyS0 ").has_value());
    ASSERT_TRUE(cmdline.append("").has_value());
    ASSERT_TRUE(cmdline.append("reboot=k\tpanic=1\n").has_value());
    EXPECT_EQ(cmdline.str(), "console=ttyS0 reboot=k\tpanic=1");
    EXPECT_FALSE(cmdline.append(std::string_view("a\0b", 3)).has_value());
}

TEST(Cmdline, LengthLimitExcludesTheNul) {
    auto kernel = kernel_with_limit(10);
    EXPECT_TRUE(validate_cmdline(std::string(10, 'x'), kernel).has_value());
    EXPECT_FALSE(validate_cmdline(std::string(11, 'x'), kernel).has_value());
    EXPECT_FALSE(validate_cmdline(std::string_view("ab\0", 3), kernel).has_value());
    // Zapotec's own buffer caps whatever the kernel claims.
    auto huge = kernel_with_limit(0xffffffff);
    EXPECT_FALSE(validate_cmdline(std::string(x86_64::kCmdlineMaxSize, 'x'), huge).has_value());
}

TEST(Cmdline, WritesANulTerminatedLine) {
    auto memory = test::make_memory(4 * test::kMiB);
    auto placement = write_cmdline(memory, "console=ttyS0", kernel_with_limit(2047));
    ASSERT_TRUE(placement.has_value()) << placement.error().message();
    EXPECT_EQ(placement->address.value, x86_64::kCmdlineAddress);
    EXPECT_EQ(placement->size, 14u);
    std::vector<uint8_t> back(14);
    ASSERT_TRUE(memory.read(placement->address, back).has_value());
    EXPECT_EQ(std::string(back.begin(), back.end() - 1), "console=ttyS0");
    EXPECT_EQ(back.back(), 0);
}

}  // namespace
}  // namespace zapotec
