// Tests the checks of the host's files and memory against a VmConfig.
#include "config/host_resources.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include "config/validate.hpp"
#include "temp_dir.hpp"

namespace zapotec {
namespace {

class HostResources : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_FALSE(dir_.path().empty());
        config_.boot_source.kernel_image_path = dir_.write("vmlinux", "kernel");
        config_.boot_source.initrd_path = dir_.write("initrd", "initrd");
        config_.drives.push_back(DriveConfig{.drive_id = "rootfs",
                                             .path_on_host = dir_.write("rootfs.ext4", "fs"),
                                             .is_root_device = true});
        config_.machine.mem_size_mib = 16;
    }

    std::string error_for() const {
        auto checked = check_host_resources(config_);
        return checked ? "<accepted>" : checked.error().message();
    }

    test_support::TempDir dir_;
    VmConfig config_;
};

TEST_F(HostResources, AcceptsReadableFilesAndSmallMemory) {
    EXPECT_EQ(error_for(), "<accepted>");
}

TEST_F(HostResources, MissingKernel) {
    config_.boot_source.kernel_image_path = dir_.path() + "/nope";
    EXPECT_EQ(error_for(),
              "kernel: cannot open " + dir_.path() + "/nope: No such file or directory");
}

TEST_F(HostResources, MissingInitrd) {
    config_.boot_source.initrd_path = dir_.path() + "/nope";
    EXPECT_EQ(error_for(),
              "initrd: cannot open " + dir_.path() + "/nope: No such file or directory");
}

TEST_F(HostResources, MissingDrive) {
    config_.drives[0].path_on_host = "/nonexistent/x.img";
    EXPECT_EQ(error_for(),
              "drive rootfs: cannot open /nonexistent/x.img: No such file or directory");
}

TEST_F(HostResources, KernelMustBeARegularFile) {
    config_.boot_source.kernel_image_path = dir_.path();
    EXPECT_EQ(error_for(), "kernel: " + dir_.path() + " is not a regular file");
}

// A file this process can read but not write. Root may write a 0444 file, but not a
// read-only sysfs attribute.
std::string read_only_file(const test_support::TempDir& dir) {
    if (::geteuid() != 0)
        return dir.write("ro.img", "fs", 0444);
    const char* attribute = "/sys/kernel/uevent_seqnum";
    return ::access(attribute, R_OK) == 0 ? attribute : "";
}

TEST_F(HostResources, WritableDriveNeedsWriteAccess) {
    std::string image = read_only_file(dir_);
    if (image.empty())
        GTEST_SKIP() << "no file here is readable but not writable";
    config_.drives[0].path_on_host = image;
    EXPECT_EQ(error_for(),
              "drive rootfs: cannot open " + image + " for reading and writing: Permission denied");
    config_.drives[0].is_read_only = true;
    EXPECT_EQ(error_for(), "<accepted>");
}

TEST_F(HostResources, ReadOnlyDriveNeedsOnlyReadAccess) {
    config_.drives[0].path_on_host = dir_.write("ro.img", "fs", 0444);
    config_.drives[0].is_read_only = true;
    EXPECT_EQ(error_for(), "<accepted>");
}

TEST_F(HostResources, DirectoryIsNotADrive) {
    config_.drives[0].path_on_host = dir_.path();
    config_.drives[0].is_read_only = true;
    EXPECT_EQ(error_for(),
              "drive rootfs: " + dir_.path() + " is neither a regular file nor a block device");
}

TEST_F(HostResources, MemoryLargerThanTheHostIsRefused) {
    config_.machine.mem_size_mib = kMaxMemSizeMib;
    std::string message = error_for();
    EXPECT_TRUE(
        message.starts_with("guest memory of 4294967296 MiB is more than the host's "
                            "MemTotal + SwapTotal ("))
        << message;
}

TEST(Meminfo, ParsesMemTotalAndSwapTotal) {
    auto host = parse_meminfo(
        "MemTotal:       32768000 kB\nMemFree:        1000 kB\nSwapCached:  0 kB\n"
        "SwapTotal:       2048000 kB\nSwapFree: 0 kB\n");
    ASSERT_TRUE(host.has_value()) << host.error().message();
    EXPECT_EQ(host->mem_total_kib, 32768000u);
    EXPECT_EQ(host->swap_total_kib, 2048000u);
}

TEST(Meminfo, NoSwapLineMeansNoSwap) {
    auto host = parse_meminfo("MemTotal: 1024 kB\n");
    ASSERT_TRUE(host.has_value());
    EXPECT_EQ(host->swap_total_kib, 0u);
}

TEST(Meminfo, NoMemTotalIsAnError) {
    EXPECT_FALSE(parse_meminfo("MemFree: 1024 kB\n").has_value());
    EXPECT_FALSE(parse_meminfo("MemTotal: lots\n").has_value());
}

TEST(Meminfo, MemoryMustFitInRamPlusSwap) {
    HostMemory host{.mem_total_kib = 1024 * 1024, .swap_total_kib = 512 * 1024};
    EXPECT_TRUE(check_memory_fits(1536, host).has_value());
    auto refused = check_memory_fits(1537, host);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().message(),
              "guest memory of 1537 MiB is more than the host's MemTotal + SwapTotal (1024 MiB + "
              "512 MiB = 1536 MiB)");
}

}  // namespace
}  // namespace zapotec
