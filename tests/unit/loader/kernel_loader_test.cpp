// Kernel file handling: format detection, errors that name the file, and a real Debian
// cloud kernel when one has been fetched into out/guest/.
#include "loader/kernel_loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "arch/x86_64/layout.hpp"
#include "test_images.hpp"

namespace zapotec {
namespace {

using test::kMiB;
using test::make_memory;
using test::TempFile;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(KernelLoader, DetectsTheFormat) {
    EXPECT_EQ(detect_kernel_format(test::make_bzimage()), KernelFormat::kBzImage);
    EXPECT_EQ(detect_kernel_format(test::make_elf()), KernelFormat::kElfPvh);
    EXPECT_EQ(detect_kernel_format(std::vector<uint8_t>(4096, 0x90)), std::nullopt);
    EXPECT_EQ(detect_kernel_format({}), std::nullopt);
}

TEST(KernelLoader, GarbageIsNamedAsNeitherFormat) {
    auto memory = make_memory(64 * kMiB);
    TempFile file(std::vector<uint8_t>(10000, 0x42));
    auto loaded = load_kernel(memory, file.path());
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().message(),
              fmt::format("kernel {} is not a bzImage or an ELF vmlinux", file.path()));
}

TEST(KernelLoader, EmptyFileIsNamedAsNeitherFormat) {
    auto memory = make_memory(64 * kMiB);
    TempFile file({});
    auto loaded = load_kernel(memory, file.path());
    ASSERT_FALSE(loaded.has_value());
    EXPECT_TRUE(contains(loaded.error().message(), "is not a bzImage or an ELF vmlinux"));
}

TEST(KernelLoader, MissingFileErrorNamesThePath) {
    auto memory = make_memory(64 * kMiB);
    auto loaded = load_kernel(memory, "/nonexistent/zapotec/vmlinuz");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_TRUE(contains(loaded.error().message(), "/nonexistent/zapotec/vmlinuz"));
    EXPECT_EQ(loaded.error().code(), ENOENT);
}

TEST(KernelLoader, DirectoryIsRejected) {
    auto memory = make_memory(64 * kMiB);
    auto loaded = load_kernel(memory, "/");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_TRUE(contains(loaded.error().message(), "not a regular file"));
}

TEST(KernelLoader, FileLargerThanGuestMemoryIsNotRead) {
    auto memory = make_memory(kMiB);
    TempFile file(std::vector<uint8_t>(2 * kMiB));
    auto loaded = load_kernel(memory, file.path());
    ASSERT_FALSE(loaded.has_value());
    EXPECT_TRUE(contains(loaded.error().message(), "more than the 1048576 allowed"))
        << loaded.error().message();
}

TEST(KernelLoader, ParseErrorsNameTheFile) {
    auto memory = make_memory(64 * kMiB);
    TempFile file(test::make_elf(test::ElfSpec{.with_pvh_note = false}));
    auto loaded = load_kernel(memory, file.path());
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().message(),
              fmt::format("kernel {}: ELF kernel has no PVH entry note", file.path()));
}

// The Debian 12 cloud kernel that the VMM must boot (vmlinuz), or the vmlinux ELF inside it,
// if the lab scripts fetched them into out/guest/.
std::optional<std::string> real_kernel_path(const std::string& name) {
    std::filesystem::path source_root =
        std::filesystem::path(ZAPOTEC_TEST_DATA_DIR).parent_path().parent_path();
    for (const auto& candidate :
         {source_root / "out/guest" / name, std::filesystem::path("/work/main/out/guest") / name}) {
        if (std::filesystem::is_regular_file(candidate))
            return candidate.string();
    }
    return std::nullopt;
}

TEST(KernelLoader, LoadsTheRealDebianCloudKernel) {
    auto path = real_kernel_path("vmlinuz");
    if (!path)
        GTEST_SKIP() << "no out/guest/vmlinuz (the Debian cloud kernel) has been fetched";
    auto memory = make_memory(256 * kMiB);
    auto loaded = load_kernel(memory, *path);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
    EXPECT_EQ(loaded->format, KernelFormat::kBzImage);
    EXPECT_GE(loaded->boot_protocol, 0x020f);
    EXPECT_TRUE(loaded->relocatable);
    EXPECT_EQ(loaded->entry.value, x86_64::kHighMemoryStart + 0x200);
    EXPECT_EQ(loaded->cmdline_size, 2047u);
    EXPECT_TRUE(contains(loaded->version, "cloud-amd64")) << loaded->version;
    EXPECT_LT(loaded->end, 256 * kMiB);
}

TEST(KernelLoader, LoadsTheRealDebianCloudVmlinuxThroughPvh) {
    auto path = real_kernel_path("vmlinux");
    if (!path)
        GTEST_SKIP() << "no out/guest/vmlinux (the ELF inside the Debian cloud kernel) exists";
    auto memory = make_memory(256 * kMiB);
    auto loaded = load_kernel(memory, *path);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
    EXPECT_EQ(loaded->format, KernelFormat::kElfPvh);
    EXPECT_GE(loaded->entry.value, loaded->load_address.value);
    EXPECT_LT(loaded->entry.value, loaded->end);
    EXPECT_LT(loaded->entry.value, 1ull << 32);
}

}  // namespace
}  // namespace zapotec
