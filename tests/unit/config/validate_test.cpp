// Tests the semantic checks that the config file and the command line share.
#include "config/validate.hpp"

#include <gtest/gtest.h>

namespace zapotec {
namespace {

VmConfig valid_config() {
    VmConfig config;
    config.boot_source.kernel_image_path = "vmlinux";
    config.drives.push_back(
        DriveConfig{.drive_id = "rootfs", .path_on_host = "rootfs.ext4", .is_root_device = true});
    return config;
}

std::string error_for(const VmConfig& config) {
    auto checked = validate_vm_config(config);
    return checked ? "<accepted>" : checked.error().message();
}

TEST(Validate, AcceptsAValidConfig) {
    EXPECT_EQ(error_for(valid_config()), "<accepted>");
}

TEST(Validate, VcpuCount) {
    VmConfig config = valid_config();
    config.machine.vcpu_count = 0;
    EXPECT_EQ(error_for(config), "machine-config.vcpu_count: must be between 1 and 254, got 0");
    config.machine.vcpu_count = kMaxVcpuCount;
    EXPECT_EQ(error_for(config), "<accepted>");
    config.machine.vcpu_count = kMaxVcpuCount + 1;
    EXPECT_EQ(error_for(config), "machine-config.vcpu_count: must be between 1 and 254, got 255");
}

TEST(Validate, SmtNeedsOneOrAnEvenVcpuCount) {
    VmConfig config = valid_config();
    config.machine.smt = true;
    config.machine.vcpu_count = 3;
    EXPECT_EQ(error_for(config),
              "machine-config.vcpu_count: must be 1 or even when smt is on, got 3");
    config.machine.vcpu_count = 1;
    EXPECT_EQ(error_for(config), "<accepted>");
    config.machine.vcpu_count = 4;
    EXPECT_EQ(error_for(config), "<accepted>");
    config.machine.smt = false;
    config.machine.vcpu_count = 3;
    EXPECT_EQ(error_for(config), "<accepted>");
}

TEST(Validate, MemorySize) {
    VmConfig config = valid_config();
    config.machine.mem_size_mib = kMinMemSizeMib - 1;
    EXPECT_EQ(error_for(config),
              "machine-config.mem_size_mib: must be between 16 and 4294967296 (MiB), got 15");
    config.machine.mem_size_mib = kMinMemSizeMib;
    EXPECT_EQ(error_for(config), "<accepted>");
    config.machine.mem_size_mib = kMaxMemSizeMib + 1;
    EXPECT_NE(error_for(config), "<accepted>");
}

TEST(Validate, HugePagesNeedAWholeNumberOf2MiBPages) {
    VmConfig config = valid_config();
    config.machine.mem_size_mib = 129;
    EXPECT_EQ(error_for(config), "<accepted>");
    config.machine.huge_pages = HugePages::kTransparent;
    EXPECT_EQ(error_for(config),
              "machine-config.mem_size_mib: must be a multiple of 2 when huge_pages is set, got "
              "129");
}

TEST(Validate, BootSource) {
    VmConfig config = valid_config();
    config.boot_source.kernel_image_path = "";
    EXPECT_EQ(error_for(config), "boot-source.kernel_image_path: must not be empty");
    config = valid_config();
    config.boot_source.initrd_path = "";
    EXPECT_EQ(error_for(config), "boot-source.initrd_path: must not be empty");
    config = valid_config();
    config.boot_source.boot_args = std::string(kMaxBootArgsLength, 'x');
    EXPECT_EQ(error_for(config), "<accepted>");
    config.boot_source.boot_args += 'x';
    EXPECT_EQ(error_for(config),
              "boot-source.boot_args: is 2048 bytes long, more than the limit of 2047");
    config.boot_source.boot_args = "console=ttyS0\nquiet";
    EXPECT_EQ(error_for(config),
              "boot-source.boot_args: byte 0x0a at offset 13 is not printable ASCII");
}

TEST(Validate, DriveIds) {
    VmConfig config = valid_config();
    config.drives[0].drive_id = "root-fs";
    EXPECT_EQ(error_for(config),
              "drives[0].drive_id: \"root-fs\" must be non-empty and contain only letters, digits "
              "and _");
    config.drives[0].drive_id = "";
    EXPECT_NE(error_for(config), "<accepted>");
    config.drives[0].drive_id = "Root_fs_2";
    EXPECT_EQ(error_for(config), "<accepted>");
    config.drives.push_back(config.drives[0]);
    config.drives[1].is_root_device = false;
    EXPECT_EQ(error_for(config),
              "drives[1].drive_id: \"Root_fs_2\" is already the id of drives[0]");
}

TEST(Validate, DrivePathAndPartuuid) {
    VmConfig config = valid_config();
    config.drives[0].path_on_host = "";
    EXPECT_EQ(error_for(config), "drives[0].path_on_host: must not be empty");
    config = valid_config();
    config.drives[0].partuuid = "a b";
    EXPECT_EQ(error_for(config), "drives[0].partuuid: must not contain spaces");
}

TEST(Validate, AtMostOneRootDeviceAndItComesFirst) {
    VmConfig config = valid_config();
    config.drives.insert(config.drives.begin(),
                         DriveConfig{.drive_id = "data", .path_on_host = "data.img"});
    auto checked = validate_vm_config(config);
    ASSERT_TRUE(checked.has_value()) << checked.error().message();
    EXPECT_EQ(checked->drives[0].drive_id, "rootfs");
    EXPECT_EQ(checked->drives[1].drive_id, "data");

    config.drives[0].is_root_device = true;
    EXPECT_EQ(error_for(config),
              "drives[1].is_root_device: drives[0] is already the root device; there can be only "
              "one");
}

TEST(Validate, NoRootDeviceIsFine) {
    VmConfig config = valid_config();
    config.drives[0].is_root_device = false;
    EXPECT_EQ(error_for(config), "<accepted>");
}

TEST(Validate, RateLimiters) {
    VmConfig config = valid_config();
    config.drives[0].rate_limiter =
        RateLimiterConfig{.ops = TokenBucketConfig{.size = 10, .refill_time_ms = 0}};
    EXPECT_EQ(error_for(config),
              "drives[0].rate_limiter.ops.refill_time: must not be 0 when size is not 0");
    // A bucket of size 0 limits nothing, whatever its refill time (Firecracker disables it).
    config.drives[0].rate_limiter->ops = TokenBucketConfig{.size = 0, .refill_time_ms = 0};
    EXPECT_EQ(error_for(config), "<accepted>");
    config.entropy.rate_limiter =
        RateLimiterConfig{.bandwidth = TokenBucketConfig{.size = 1, .refill_time_ms = UINT64_MAX}};
    EXPECT_EQ(error_for(config),
              "entropy.rate_limiter.bandwidth.refill_time: must be at most 18446744073709 (ms), "
              "got 18446744073709551615");
}

TEST(Validate, NetworkInterfaces) {
    VmConfig config = valid_config();
    config.network_interfaces.push_back(NetworkInterfaceConfig{
        .iface_id = "eth0", .host_dev_name = "tap0", .guest_mac = MacAddress{6, 0, 0, 0, 0, 1}});
    EXPECT_EQ(error_for(config), "<accepted>");

    VmConfig bad = config;
    bad.network_interfaces[0].host_dev_name = "a_very_long_tap_name";
    EXPECT_EQ(error_for(bad),
              "network-interfaces[0].host_dev_name: \"a_very_long_tap_name\" is longer than 15 "
              "bytes");
    bad = config;
    bad.network_interfaces[0].mtu = 67;
    EXPECT_EQ(error_for(bad), "network-interfaces[0].mtu: must be between 68 and 65535, got 67");

    bad = config;
    bad.network_interfaces.push_back(bad.network_interfaces[0]);
    bad.network_interfaces[1].iface_id = "eth1";
    EXPECT_EQ(error_for(bad),
              "network-interfaces[1].host_dev_name: \"tap0\" is already used by "
              "network-interfaces[0]");
    bad.network_interfaces[1].host_dev_name = "tap1";
    EXPECT_EQ(error_for(bad),
              "network-interfaces[1].guest_mac: is already used by network-interfaces[0]");
    bad.network_interfaces[1].guest_mac.reset();
    EXPECT_EQ(error_for(bad), "<accepted>");
    bad.network_interfaces[1].iface_id = "eth0";
    EXPECT_EQ(
        error_for(bad),
        "network-interfaces[1].iface_id: \"eth0\" is already the id of network-interfaces[0]");
}

TEST(Validate, FieldNamerRenamesTheField) {
    VmConfig config = valid_config();
    config.machine.vcpu_count = 0;
    auto checked = validate_vm_config(config, [](const std::string& path) {
        return path == "machine-config.vcpu_count" ? std::string("--cpus") : path;
    });
    ASSERT_FALSE(checked.has_value());
    EXPECT_EQ(checked.error().message(), "--cpus: must be between 1 and 254, got 0");
}

}  // namespace
}  // namespace zapotec
