// Tests that good Firecracker config files become the expected VmConfig.
#include "config/config_file.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace zapotec {
namespace {

// The smallest file Firecracker accepts: a kernel and the (possibly empty) drives list.
constexpr std::string_view kMinimalConfig = R"({
  "boot-source": {"kernel_image_path": "vmlinux.bin"},
  "drives": []
})";

// Firecracker's own example (tests/framework/vm_config.json) with the network example's
// interface, an entropy device and rate limiters added.
constexpr std::string_view kFullConfig = R"({
  "boot-source": {
    "kernel_image_path": "vmlinux.bin",
    "boot_args": "console=ttyS0 reboot=k panic=1",
    "initrd_path": null
  },
  "drives": [
    {
      "drive_id": "scratch",
      "path_on_host": "scratch.ext4",
      "is_root_device": false,
      "is_read_only": true,
      "cache_type": "Writeback",
      "io_engine": "Async",
      "rate_limiter": {
        "bandwidth": {"size": 1048576, "one_time_burst": 4096, "refill_time": 1000},
        "ops": {"size": 100, "refill_time": 1000}
      }
    },
    {
      "drive_id": "rootfs",
      "partuuid": null,
      "is_root_device": true,
      "cache_type": "Unsafe",
      "is_read_only": false,
      "path_on_host": "bionic.rootfs.ext4",
      "io_engine": "Sync",
      "rate_limiter": null,
      "socket": null
    }
  ],
  "machine-config": {
    "vcpu_count": 2,
    "mem_size_mib": 1024,
    "smt": false,
    "track_dirty_pages": true,
    "cpu_template": "T2S",
    "huge_pages": "2M"
  },
  "cpu-config": null,
  "balloon": null,
  "network-interfaces": [
    {
      "iface_id": "eth0",
      "host_dev_name": "tap0",
      "guest_mac": "06:00:c0:a8:00:02",
      "mtu": 1500,
      "rx_rate_limiter": null,
      "tx_rate_limiter": {"bandwidth": {"size": 1000, "refill_time": 100}}
    }
  ],
  "vsock": null,
  "logger": null,
  "metrics": null,
  "mmds-config": null,
  "entropy": {"rate_limiter": {"ops": {"size": 10, "refill_time": 10}}},
  "pmem": [],
  "memory-hotplug": null
})";

TEST(ConfigFile, MinimalConfigGetsFirecrackerDefaults) {
    auto config = parse_config_json(kMinimalConfig);
    ASSERT_TRUE(config.has_value()) << config.error().message();
    EXPECT_EQ(config->boot_source.kernel_image_path, "vmlinux.bin");
    EXPECT_FALSE(config->boot_source.initrd_path.has_value());
    EXPECT_EQ(config->boot_source.boot_args, "console=ttyS0");
    EXPECT_EQ(config->machine.vcpu_count, 1u);
    EXPECT_EQ(config->machine.mem_size_mib, 128u);
    EXPECT_FALSE(config->machine.smt);
    EXPECT_TRUE(config->drives.empty());
    EXPECT_TRUE(config->network_interfaces.empty());
    EXPECT_FALSE(config->entropy.enabled);
}

TEST(ConfigFile, FirecrackerExampleParses) {
    constexpr std::string_view kExample = R"({
      "boot-source": {"kernel_image_path": "vmlinux.bin",
                      "boot_args": "console=ttyS0 reboot=k panic=1", "initrd_path": null},
      "drives": [{"drive_id": "rootfs", "partuuid": null, "is_root_device": true,
                  "cache_type": "Unsafe", "is_read_only": false,
                  "path_on_host": "bionic.rootfs.ext4", "io_engine": "Sync",
                  "rate_limiter": null, "socket": null}],
      "machine-config": {"vcpu_count": 2, "mem_size_mib": 1024, "smt": false,
                         "track_dirty_pages": false, "huge_pages": "None"},
      "cpu-config": null, "balloon": null, "network-interfaces": [], "vsock": null,
      "logger": null, "metrics": null, "mmds-config": null, "entropy": null, "pmem": [],
      "memory-hotplug": null
    })";
    auto config = parse_config_json(kExample);
    ASSERT_TRUE(config.has_value()) << config.error().message();
    EXPECT_EQ(config->machine.vcpu_count, 2u);
    EXPECT_EQ(config->machine.mem_size_mib, 1024u);
    ASSERT_EQ(config->drives.size(), 1u);
    EXPECT_EQ(config->drives[0].drive_id, "rootfs");
    EXPECT_TRUE(config->drives[0].is_root_device);
    EXPECT_FALSE(config->entropy.enabled) << "\"entropy\": null means no rng device";
}

TEST(ConfigFile, FullConfigFillsEveryField) {
    auto config = parse_config_json(kFullConfig);
    ASSERT_TRUE(config.has_value()) << config.error().message();
    EXPECT_EQ(config->boot_source.boot_args, "console=ttyS0 reboot=k panic=1");

    const MachineConfig& machine = config->machine;
    EXPECT_EQ(machine.vcpu_count, 2u);
    EXPECT_EQ(machine.mem_size_mib, 1024u);
    EXPECT_TRUE(machine.track_dirty_pages);
    EXPECT_EQ(machine.cpu_template, CpuTemplate::kT2S);
    EXPECT_EQ(machine.huge_pages, HugePages::kHugetlbfs2M);

    // The root device moves to the front; it will be /dev/vda.
    ASSERT_EQ(config->drives.size(), 2u);
    const DriveConfig& root = config->drives[0];
    EXPECT_EQ(root.drive_id, "rootfs");
    EXPECT_TRUE(root.is_root_device);
    EXPECT_FALSE(root.partuuid.has_value());
    EXPECT_FALSE(root.rate_limiter.has_value());

    const DriveConfig& scratch = config->drives[1];
    EXPECT_EQ(scratch.drive_id, "scratch");
    EXPECT_EQ(scratch.path_on_host, "scratch.ext4");
    EXPECT_TRUE(scratch.is_read_only);
    EXPECT_EQ(scratch.cache_type, CacheType::kWriteback);
    EXPECT_EQ(scratch.io_engine, IoEngine::kAsync);
    ASSERT_TRUE(scratch.rate_limiter.has_value());
    ASSERT_TRUE(scratch.rate_limiter->bandwidth.has_value());
    EXPECT_EQ(scratch.rate_limiter->bandwidth->size, 1048576u);
    EXPECT_EQ(scratch.rate_limiter->bandwidth->one_time_burst, 4096u);
    EXPECT_EQ(scratch.rate_limiter->bandwidth->refill_time_ms, 1000u);
    ASSERT_TRUE(scratch.rate_limiter->ops.has_value());
    EXPECT_FALSE(scratch.rate_limiter->ops->one_time_burst.has_value());

    ASSERT_EQ(config->network_interfaces.size(), 1u);
    const NetworkInterfaceConfig& eth0 = config->network_interfaces[0];
    EXPECT_EQ(eth0.iface_id, "eth0");
    EXPECT_EQ(eth0.host_dev_name, "tap0");
    EXPECT_EQ(eth0.guest_mac, (MacAddress{0x06, 0x00, 0xc0, 0xa8, 0x00, 0x02}));
    EXPECT_EQ(eth0.mtu, 1500);
    EXPECT_FALSE(eth0.rx_rate_limiter.has_value());
    ASSERT_TRUE(eth0.tx_rate_limiter.has_value());
    EXPECT_EQ(eth0.tx_rate_limiter->bandwidth->size, 1000u);

    EXPECT_TRUE(config->entropy.enabled);
    ASSERT_TRUE(config->entropy.rate_limiter.has_value());
    EXPECT_EQ(config->entropy.rate_limiter->ops->size, 10u);
}

TEST(ConfigFile, EmptyEntropyObjectEnablesTheRngDevice) {
    auto config = parse_config_json(R"({
      "boot-source": {"kernel_image_path": "k"}, "drives": [], "entropy": {}})");
    ASSERT_TRUE(config.has_value()) << config.error().message();
    EXPECT_TRUE(config->entropy.enabled);
    EXPECT_FALSE(config->entropy.rate_limiter.has_value());
}

TEST(ConfigFile, RootDeviceMovesFirstAndOthersKeepTheirOrder) {
    auto config = parse_config_json(R"({
      "boot-source": {"kernel_image_path": "k"},
      "drives": [
        {"drive_id": "a", "path_on_host": "a.img", "is_root_device": false},
        {"drive_id": "b", "path_on_host": "b.img", "is_root_device": false},
        {"drive_id": "root", "path_on_host": "r.img", "is_root_device": true,
         "partuuid": "0eaa91a0-01"},
        {"drive_id": "c", "path_on_host": "c.img", "is_root_device": false}
      ]})");
    ASSERT_TRUE(config.has_value()) << config.error().message();
    ASSERT_EQ(config->drives.size(), 4u);
    EXPECT_EQ(config->drives[0].drive_id, "root");
    EXPECT_EQ(config->drives[0].partuuid, "0eaa91a0-01");
    EXPECT_EQ(config->drives[1].drive_id, "a");
    EXPECT_EQ(config->drives[2].drive_id, "b");
    EXPECT_EQ(config->drives[3].drive_id, "c");
    EXPECT_FALSE(config->drives[1].is_read_only) << "is_read_only defaults to false";
}

TEST(ConfigFile, SmtAllowsOneOrAnEvenNumberOfVcpus) {
    for (std::string_view count : {"1", "2", "254"}) {
        auto config = parse_config_json(fmt::format(R"({{
          "boot-source": {{"kernel_image_path": "k"}}, "drives": [],
          "machine-config": {{"vcpu_count": {}, "mem_size_mib": 256, "smt": true}}}})",
                                                    count));
        EXPECT_TRUE(config.has_value()) << count << ": " << config.error().message();
    }
}

TEST(LoadConfigFile, ReadsAFile) {
    test_support::TempDir dir;
    std::string path = dir.write("vm.json", kMinimalConfig);
    auto config = load_config_file(path);
    ASSERT_TRUE(config.has_value()) << config.error().message();
    EXPECT_EQ(config->boot_source.kernel_image_path, "vmlinux.bin");
}

TEST(LoadConfigFile, MissingFileIsNamed) {
    auto config = load_config_file("/nonexistent/vm.json");
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().message(),
              "cannot open config file /nonexistent/vm.json: No such file or directory");
}

TEST(LoadConfigFile, ParseErrorNamesFileLineAndColumn) {
    test_support::TempDir dir;
    std::string path =
        dir.write("bad.json", "{\n  \"boot-source\": {\n    \"kernel_image_path\" \"k\"\n");
    auto config = load_config_file(path);
    ASSERT_FALSE(config.has_value());
    const std::string& message = config.error().message();
    EXPECT_TRUE(message.starts_with(path + ": invalid JSON: ")) << message;
    EXPECT_NE(message.find("line 3, column 27"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(LoadConfigFile, SemanticErrorNamesFileAndField) {
    test_support::TempDir dir;
    std::string path = dir.write("vm.json", R"({"boot-source": {"kernel_image_path": "k"},
      "drives": [], "machine-config": {"vcpu_count": 0, "mem_size_mib": 128}})");
    auto config = load_config_file(path);
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().message(),
              path + ": machine-config.vcpu_count: must be between 1 and 254, got 0");
}

TEST(LoadConfigFile, RefusesHugeFiles) {
    test_support::TempDir dir;
    std::string path = dir.write("big.json", std::string(kMaxConfigFileSize + 1, ' '));
    auto config = load_config_file(path);
    ASSERT_FALSE(config.has_value());
    EXPECT_NE(config.error().message().find("larger than"), std::string::npos);
}

}  // namespace
}  // namespace zapotec
