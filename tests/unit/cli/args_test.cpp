// Tests the zapotec command line: defaults, disks, the config-file mode, help and errors.
#include "cli/args.hpp"

#include <gtest/gtest.h>

#include <fmt/core.h>

#include <initializer_list>
#include <vector>

#include "../config/temp_dir.hpp"

namespace zapotec {
namespace {

std::variant<Command, ArgsExit> parse(std::initializer_list<const char*> args) {
    std::vector<const char*> argv{"zapotec"};
    argv.insert(argv.end(), args);
    return parse_args(static_cast<int>(argv.size()), argv.data());
}

// The command, or a test failure showing why there is none.
Command command_for(std::initializer_list<const char*> args) {
    auto parsed = parse(args);
    if (auto* exit = std::get_if<ArgsExit>(&parsed)) {
        ADD_FAILURE() << "exit " << exit->exit_code << ": " << exit->message;
        return Command{};
    }
    return std::get<Command>(parsed);
}

// The exit that `args` leads to; a Command is a test failure.
ArgsExit exit_for(std::initializer_list<const char*> args) {
    auto parsed = parse(args);
    if (auto* exit = std::get_if<ArgsExit>(&parsed))
        return *exit;
    ADD_FAILURE() << "parsed into a command";
    return ArgsExit{-1, ""};
}

TEST(Args, RunDefaults) {
    Command command = command_for({"run", "--kernel", "vmlinux"});
    EXPECT_EQ(command.source, Command::Source::kRunFlags);
    EXPECT_EQ(command.vm.boot_source.kernel_image_path, "vmlinux");
    EXPECT_FALSE(command.vm.boot_source.initrd_path.has_value());
    EXPECT_EQ(command.vm.boot_source.boot_args, "console=ttyS0");
    EXPECT_EQ(command.vm.machine.vcpu_count, 1u);
    EXPECT_EQ(command.vm.machine.mem_size_mib, 256u);
    EXPECT_TRUE(command.vm.drives.empty());
    EXPECT_TRUE(command.vm.entropy.enabled);
    EXPECT_EQ(command.log_level, "warn");
    EXPECT_FALSE(command.boot_timer);
    EXPECT_FALSE(command.no_api);
    EXPECT_FALSE(command.api_sock.has_value());
    EXPECT_FALSE(command.config_file.has_value());
}

TEST(Args, RunWithEverything) {
    Command command = command_for({"--log-level", "debug", "run", "--kernel", "bzImage", "--initrd",
                                   "initrd.img", "--cmdline", "console=ttyS0 quiet", "--cpus", "4",
                                   "--memory", "1024", "--no-rng", "--boot-timer"});
    EXPECT_EQ(command.vm.boot_source.initrd_path, "initrd.img");
    EXPECT_EQ(command.vm.boot_source.boot_args, "console=ttyS0 quiet");
    EXPECT_EQ(command.vm.machine.vcpu_count, 4u);
    EXPECT_EQ(command.vm.machine.mem_size_mib, 1024u);
    EXPECT_FALSE(command.vm.entropy.enabled);
    EXPECT_EQ(command.log_level, "debug");
    EXPECT_TRUE(command.boot_timer) << "global flags may follow the subcommand";
}

TEST(Args, RepeatedDisks) {
    Command command = command_for(
        {"run", "--kernel", "k", "--disk", "root.img", "--disk", "data.img,ro", "--disk", "c.img"});
    const std::vector<DriveConfig>& drives = command.vm.drives;
    ASSERT_EQ(drives.size(), 3u);
    EXPECT_EQ(drives[0].drive_id, "disk0");
    EXPECT_EQ(drives[0].path_on_host, "root.img");
    EXPECT_TRUE(drives[0].is_root_device);
    EXPECT_FALSE(drives[0].is_read_only);
    EXPECT_EQ(drives[1].drive_id, "disk1");
    EXPECT_EQ(drives[1].path_on_host, "data.img");
    EXPECT_FALSE(drives[1].is_root_device);
    EXPECT_TRUE(drives[1].is_read_only);
    EXPECT_EQ(drives[2].drive_id, "disk2");
    EXPECT_FALSE(drives[2].is_read_only);
}

TEST(Args, ReadOnlyRootDisk) {
    Command command = command_for({"run", "--kernel", "k", "--disk", "root.img,ro"});
    ASSERT_EQ(command.vm.drives.size(), 1u);
    EXPECT_TRUE(command.vm.drives[0].is_root_device);
    EXPECT_TRUE(command.vm.drives[0].is_read_only);
}

TEST(Args, BadDiskSuffixIsNamed) {
    ArgsExit exit = exit_for({"run", "--kernel", "k", "--disk", "root.img,rw"});
    EXPECT_EQ(exit.exit_code, kExitUsage);
    EXPECT_EQ(exit.message,
              "zapotec: --disk root.img,rw: unknown option \"rw\" (expected ro, bandwidth=SIZE, "
              "iops=N or engine=sync|async) (see --help)\n");
    EXPECT_EQ(exit_for({"run", "--kernel", "k", "--disk", "a.img,ro,ro"}).exit_code, kExitUsage);
    EXPECT_EQ(exit_for({"run", "--kernel", "k", "--disk", "a.img,"}).exit_code, kExitUsage);
    EXPECT_EQ(exit_for({"run", "--kernel", "k", "--disk", ",ro"}).exit_code, kExitUsage);
}

TEST(Args, ZeroCpusIsRefusedByTheSharedValidator) {
    ArgsExit exit = exit_for({"run", "--kernel", "k", "--cpus", "0"});
    EXPECT_EQ(exit.exit_code, kExitUsage);
    EXPECT_TRUE(exit.message.starts_with(
        "zapotec: --cpus: must be between 1 and 254, got 0 (see --help)\n"))
        << exit.message;
}

TEST(Args, TooLittleMemoryNamesTheFlag) {
    ArgsExit exit = exit_for({"run", "--kernel", "k", "--memory", "8"});
    EXPECT_TRUE(exit.message.starts_with("zapotec: --memory: must be between 16 and"))
        << exit.message;
}

TEST(Args, NonNumericMemory) {
    for (const char* memory : {"lots", "256M", "-1", "0x100", "", " 256"}) {
        ArgsExit exit = exit_for({"run", "--kernel", "k", "--memory", memory});
        EXPECT_EQ(exit.exit_code, kExitUsage) << memory;
        EXPECT_TRUE(exit.message.starts_with(
            fmt::format("zapotec: --memory: expected a decimal number, got \"{}\"", memory)))
            << exit.message;
    }
    ArgsExit exit = exit_for({"run", "--kernel", "k", "--memory", "99999999999999999999"});
    EXPECT_TRUE(exit.message.starts_with("zapotec: --memory: 99999999999999999999 is too large"))
        << exit.message;
}

TEST(Args, MissingKernel) {
    ArgsExit exit = exit_for({"run"});
    EXPECT_EQ(exit.exit_code, kExitUsage);
    EXPECT_NE(exit.message.find("--kernel"), std::string::npos) << exit.message;
}

TEST(Args, EmptyInitrdIsAnError) {
    ArgsExit exit = exit_for({"run", "--kernel", "k", "--initrd", ""});
    EXPECT_TRUE(exit.message.starts_with("zapotec: --initrd: must not be empty")) << exit.message;
}

TEST(Args, UnknownFlag) {
    ArgsExit exit = exit_for({"run", "--kernel", "k", "--frobnicate"});
    EXPECT_EQ(exit.exit_code, kExitUsage);
    EXPECT_NE(exit.message.find("--frobnicate"), std::string::npos) << exit.message;
}

TEST(Args, BadLogLevel) {
    EXPECT_EQ(exit_for({"--log-level", "verbose", "run", "--kernel", "k"}).exit_code, kExitUsage);
}

TEST(Args, HelpExitsZero) {
    ArgsExit exit = exit_for({"--help"});
    EXPECT_EQ(exit.exit_code, 0);
    EXPECT_NE(exit.message.find("--config-file"), std::string::npos) << exit.message;
    EXPECT_NE(exit.message.find("run"), std::string::npos) << exit.message;

    ArgsExit run_help = exit_for({"run", "--help"});
    EXPECT_EQ(run_help.exit_code, 0);
    EXPECT_NE(run_help.message.find("--disk"), std::string::npos) << run_help.message;
}

TEST(Args, VersionExitsZero) {
    ArgsExit exit = exit_for({"--version"});
    EXPECT_EQ(exit.exit_code, 0);
    EXPECT_EQ(exit.message, "zapotec " ZAPOTEC_VERSION "\n");
}

TEST(Args, NothingToDo) {
    ArgsExit exit = exit_for({});
    EXPECT_EQ(exit.exit_code, kExitUsage);
    EXPECT_TRUE(exit.message.starts_with("zapotec: nothing to do")) << exit.message;
}

class ConfigFileArgs : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = dir_.write("vm.json", R"({
          "boot-source": {"kernel_image_path": "vmlinux.bin"},
          "drives": [{"drive_id": "rootfs", "path_on_host": "rootfs.ext4",
                      "is_root_device": true}],
          "machine-config": {"vcpu_count": 2, "mem_size_mib": 512}})");
    }

    test_support::TempDir dir_;
    std::string path_;
};

TEST_F(ConfigFileArgs, LoadsTheFileWithNoApi) {
    Command command = command_for({"--config-file", path_.c_str(), "--no-api"});
    EXPECT_EQ(command.source, Command::Source::kConfigFile);
    EXPECT_EQ(command.config_file, path_);
    EXPECT_TRUE(command.no_api);
    EXPECT_EQ(command.vm.machine.vcpu_count, 2u);
    EXPECT_EQ(command.vm.drives.at(0).drive_id, "rootfs");
    EXPECT_FALSE(command.vm.entropy.enabled) << "the file has no entropy section";
}

TEST_F(ConfigFileArgs, ApiSockIsStored) {
    Command command =
        command_for({"--api-sock", "/tmp/fc.sock", "--config-file", path_.c_str(), "--no-api"});
    EXPECT_EQ(command.api_sock, "/tmp/fc.sock");
}

TEST_F(ConfigFileArgs, WithoutNoApiTheApiIsServedToo) {
    Command command = command_for({"--config-file", path_.c_str()});
    EXPECT_EQ(command.source, Command::Source::kConfigFile);
    EXPECT_EQ(command.api_socket, kDefaultApiSocket);
    EXPECT_EQ(command.vm.machine.vcpu_count, 2u);

    Command on_socket = command_for({"--config-file", path_.c_str(), "--api-sock", "/tmp/z.sock"});
    EXPECT_EQ(on_socket.api_socket, "/tmp/z.sock");

    Command no_api = command_for({"--config-file", path_.c_str(), "--no-api"});
    EXPECT_FALSE(no_api.api_socket.has_value());
}

TEST(Args, ApiSockAloneWaitsForTheApi) {
    Command command = command_for({"--api-sock", "/tmp/z.sock"});
    EXPECT_EQ(command.source, Command::Source::kApiOnly);
    EXPECT_FALSE(command.has_vm());
    EXPECT_EQ(command.api_socket, "/tmp/z.sock");
    EXPECT_EQ(exit_for({"--api-sock", ""}).message,
              "zapotec: --api-sock: must not be empty (see --help)\n");
}

TEST(Args, RunServesTheApiOnlyWhenAsked) {
    EXPECT_FALSE(command_for({"run", "--kernel", "k"}).api_socket.has_value());
    Command command = command_for({"--api-sock", "/tmp/z.sock", "run", "--kernel", "k"});
    EXPECT_EQ(command.source, Command::Source::kRunFlags);
    EXPECT_EQ(command.api_socket, "/tmp/z.sock");
}

TEST(Args, FirecrackerProcessFlags) {
    Command command = command_for({"--id", "vm-42", "--metrics-path", "/tmp/m.json", "--log-path",
                                   "/tmp/log.fifo", "--level", "Warning", "--show-level",
                                   "--show-log-origin", "--api-sock", "/tmp/z.sock"});
    EXPECT_EQ(command.instance_id, "vm-42");
    EXPECT_EQ(command.metrics_path, "/tmp/m.json");
    EXPECT_EQ(command.log_path, "/tmp/log.fifo");
    EXPECT_EQ(command.level, "Warning");
    EXPECT_TRUE(command.show_level);
    EXPECT_TRUE(command.show_log_origin);
    EXPECT_TRUE(command.firecracker_logging());

    Command plain = command_for({"run", "--kernel", "k"});
    EXPECT_EQ(plain.instance_id, "anonymous-instance");
    EXPECT_FALSE(plain.firecracker_logging());
}

TEST(Args, BadProcessFlagsNameTheFlagAndValue) {
    EXPECT_EQ(
        exit_for({"--id", "no spaces", "run", "--kernel", "k"}).message,
        "zapotec: --id \"no spaces\": must be 1 to 64 letters, digits and '-' (see --help)\n");
    EXPECT_EQ(exit_for({"--id", std::string(65, 'a').c_str(), "run", "--kernel", "k"}).exit_code,
              kExitUsage);
    ArgsExit level = exit_for({"--level", "loud", "run", "--kernel", "k"});
    EXPECT_EQ(level.exit_code, kExitUsage);
    EXPECT_TRUE(level.message.starts_with("zapotec: --level: unknown log level \"loud\""))
        << level.message;
    EXPECT_EQ(exit_for({"--level", "Info", "--log-level", "info", "run", "--kernel", "k"}).message,
              "zapotec: --level and --log-level cannot be combined (see --help)\n");
    EXPECT_EQ(exit_for({"--metrics-path", "", "run", "--kernel", "k"}).message,
              "zapotec: --metrics-path: must not be empty (see --help)\n");
    EXPECT_EQ(exit_for({"--log-path", "", "run", "--kernel", "k"}).exit_code, kExitUsage);
}

TEST(Args, DiskLimitsAndEngine) {
    Command command = command_for({"run", "--kernel", "k", "--disk",
                                   "root.img,bandwidth=50M,iops=2000,engine=async", "--disk",
                                   "data.img,ro,bandwidth=512K", "--disk", "c.img,bandwidth=1G"});
    const std::vector<DriveConfig>& drives = command.vm.drives;
    ASSERT_EQ(drives.size(), 3u);
    ASSERT_TRUE(drives[0].rate_limiter.has_value());
    EXPECT_EQ(drives[0].rate_limiter->bandwidth->size, 50u * 1024 * 1024);
    EXPECT_EQ(drives[0].rate_limiter->bandwidth->refill_time_ms, 1000u);
    EXPECT_FALSE(drives[0].rate_limiter->bandwidth->one_time_burst.has_value());
    EXPECT_EQ(drives[0].rate_limiter->ops->size, 2000u);
    EXPECT_EQ(drives[0].rate_limiter->ops->refill_time_ms, 1000u);
    EXPECT_EQ(drives[0].io_engine, IoEngine::kAsync);
    EXPECT_TRUE(drives[1].is_read_only);
    EXPECT_EQ(drives[1].rate_limiter->bandwidth->size, 512u * 1024);
    EXPECT_FALSE(drives[1].rate_limiter->ops.has_value());
    EXPECT_EQ(drives[1].io_engine, IoEngine::kSync);
    EXPECT_EQ(drives[2].rate_limiter->bandwidth->size, uint64_t{1} << 30);
}

TEST(Args, BadDiskOptionsNameTheFlagAndValue) {
    struct Case {
        const char* spec;
        const char* message;
    };
    for (const Case& c : std::initializer_list<Case>{
             {"a.img,bandwidth=5X",
              "--disk a.img,bandwidth=5X: bandwidth: \"5X\" is not a size (a number with an "
              "optional K, M or G suffix)"},
             {"a.img,bandwidth=0", "--disk a.img,bandwidth=0: bandwidth: must be greater than 0"},
             {"a.img,bandwidth=",
              "--disk a.img,bandwidth=: bandwidth: missing value (write "
              "bandwidth=VALUE)"},
             {"a.img,bandwidth=99999999999G",
              "--disk a.img,bandwidth=99999999999G: bandwidth: 99999999999G is too large"},
             {"a.img,iops=x", "--disk a.img,iops=x: iops: expected a decimal number, got \"x\""},
             {"a.img,iops=0", "--disk a.img,iops=0: iops: must be greater than 0"},
             {"a.img,engine=fast",
              "--disk a.img,engine=fast: engine: expected sync or async, got \"fast\""},
             {"a.img,ro=1",
              "--disk a.img,ro=1: unknown option \"ro=1\" (expected ro, "
              "bandwidth=SIZE, iops=N or engine=sync|async)"},
         }) {
        ArgsExit exit = exit_for({"run", "--kernel", "k", "--disk", c.spec});
        EXPECT_EQ(exit.exit_code, kExitUsage) << c.spec;
        EXPECT_EQ(exit.message, fmt::format("zapotec: {} (see --help)\n", c.message)) << c.spec;
    }
}

TEST(Args, NetInterfaces) {
    Command command =
        command_for({"run", "--kernel", "k", "--net", "tap=tap0", "--net",
                     "tap=tap1,mac=06:00:c0:a8:00:02,mtu=9000,rx-bandwidth=10M,tx-bandwidth=1M"});
    const std::vector<NetworkInterfaceConfig>& nets = command.vm.network_interfaces;
    ASSERT_EQ(nets.size(), 2u);
    EXPECT_EQ(nets[0].iface_id, "eth0");
    EXPECT_EQ(nets[0].host_dev_name, "tap0");
    EXPECT_FALSE(nets[0].guest_mac.has_value());
    EXPECT_FALSE(nets[0].rx_rate_limiter.has_value());
    EXPECT_EQ(nets[1].iface_id, "eth1");
    EXPECT_EQ(nets[1].host_dev_name, "tap1");
    EXPECT_EQ(nets[1].guest_mac, (MacAddress{0x06, 0x00, 0xc0, 0xa8, 0x00, 0x02}));
    EXPECT_EQ(nets[1].mtu, 9000);
    EXPECT_EQ(nets[1].rx_rate_limiter->bandwidth->size, 10u << 20);
    EXPECT_EQ(nets[1].tx_rate_limiter->bandwidth->size, 1u << 20);
    EXPECT_EQ(nets[1].tx_rate_limiter->bandwidth->refill_time_ms, 1000u);
}

TEST(Args, BadNetOptionsNameTheFlagAndValue) {
    struct Case {
        const char* spec;
        const char* message;
    };
    for (const Case& c : std::initializer_list<Case>{
             {"mac=06:00:c0:a8:00:02", "--net mac=06:00:c0:a8:00:02: missing tap=NAME"},
             {"tap=tap0,mac=zz",
              "--net tap=tap0,mac=zz: mac: \"zz\" is not a MAC address like "
              "06:00:c0:a8:00:02"},
             {"tap=tap0,mtu=70000",
              "--net tap=tap0,mtu=70000: mtu: 70000 is too large (at most "
              "65535)"},
             {"tap=tap0,speed=1",
              "--net tap=tap0,speed=1: unknown option \"speed=1\" (expected "
              "tap=NAME, mac=MAC, mtu=N, rx-bandwidth=SIZE or "
              "tx-bandwidth=SIZE)"},
         }) {
        ArgsExit exit = exit_for({"run", "--kernel", "k", "--net", c.spec});
        EXPECT_EQ(exit.exit_code, kExitUsage) << c.spec;
        EXPECT_EQ(exit.message, fmt::format("zapotec: {} (see --help)\n", c.message)) << c.spec;
    }
    ArgsExit small_mtu = exit_for({"run", "--kernel", "k", "--net", "tap=t,mtu=10"});
    EXPECT_TRUE(small_mtu.message.starts_with("zapotec: --net #1.mtu:")) << small_mtu.message;
}

TEST_F(ConfigFileArgs, CannotBeCombinedWithRun) {
    ArgsExit exit = exit_for({"--config-file", path_.c_str(), "--no-api", "run", "--kernel", "k"});
    EXPECT_EQ(exit.exit_code, kExitUsage);
    EXPECT_NE(exit.message.find("cannot be combined"), std::string::npos) << exit.message;
}

TEST_F(ConfigFileArgs, BadFileExitsOneAndNamesIt) {
    std::string bad = dir_.write("bad.json", R"({"boot-source": {"kernel_image_path": "k"},
      "drives": [], "machine-config": {"vcpu_count": 0, "mem_size_mib": 512}})");
    ArgsExit exit = exit_for({"--config-file", bad.c_str(), "--no-api"});
    EXPECT_EQ(exit.exit_code, kExitBadConfig);
    EXPECT_EQ(exit.message, "zapotec: " + bad +
                                ": machine-config.vcpu_count: must be between 1 and 254, got 0\n");

    ArgsExit missing = exit_for({"--config-file", "/nonexistent.json", "--no-api"});
    EXPECT_EQ(missing.exit_code, kExitBadConfig);
    EXPECT_EQ(missing.message,
              "zapotec: cannot open config file /nonexistent.json: No such file or directory\n");
}

}  // namespace
}  // namespace zapotec
