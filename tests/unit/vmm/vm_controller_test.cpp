// Tests VmController before and after InstanceStart with a fake VM: PUT and PATCH semantics,
// validation that leaves the stored configuration unchanged, refusals after start, and the
// lifecycle through the VM.
#include "vmm/vm_controller.hpp"

#include <gtest/gtest.h>

#include "fake_vm.hpp"

namespace zapotec {
namespace {

using testing::FakeVmLog;

class VmControllerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto loop = EventLoop::create();
        ASSERT_TRUE(loop.has_value());
        loop_ = std::move(*loop);
        ControllerOptions options;
        options.instance_id = "test-vm";
        options.build.event_loop = loop_;
        options.factory = testing::fake_vm_factory(log_);
        options.check_host_resources = false;
        controller_ = std::make_unique<VmController>(std::move(options));
    }

    static DriveConfig drive(std::string id, bool root = false) {
        DriveConfig config;
        config.drive_id = std::move(id);
        config.path_on_host = "/images/" + config.drive_id + ".img";
        config.is_root_device = root;
        return config;
    }

    void start() {
        ASSERT_TRUE(controller_->put_boot_source({.kernel_image_path = "/k"}).has_value());
        auto started = controller_->start_instance();
        ASSERT_TRUE(started.has_value()) << started.error().message();
    }

    std::shared_ptr<FakeVmLog> log_ = std::make_shared<FakeVmLog>();
    std::shared_ptr<EventLoop> loop_;
    std::unique_ptr<VmController> controller_;
};

TEST_F(VmControllerTest, InstanceInfoAndFirecrackerDefaults) {
    InstanceInfo info = controller_->instance_info();
    EXPECT_EQ(info.id, "test-vm");
    EXPECT_EQ(info.state, VmState::kNotStarted);
    EXPECT_EQ(info.vmm_version, ZAPOTEC_VERSION);
    EXPECT_EQ(info.app_name, "Zapotec");
    EXPECT_EQ(controller_->machine_config().vcpu_count, 1u);
    EXPECT_EQ(controller_->machine_config().mem_size_mib, 128u);
    EXPECT_TRUE(controller_->vm_config().drives.empty());
}

TEST_F(VmControllerTest, PutStoresValidatedConfig) {
    ASSERT_TRUE(controller_
                    ->put_boot_source({.kernel_image_path = "/vmlinux",
                                       .initrd_path = std::nullopt,
                                       .boot_args = "console=ttyS0 quiet"})
                    .has_value());
    ASSERT_TRUE(
        controller_->put_machine_config({.vcpu_count = 2, .mem_size_mib = 512}).has_value());
    ASSERT_TRUE(controller_->put_drive(drive("data")).has_value());
    ASSERT_TRUE(controller_->put_drive(drive("rootfs", true)).has_value());
    VmConfig config = controller_->vm_config();
    EXPECT_EQ(config.boot_source.kernel_image_path, "/vmlinux");
    EXPECT_EQ(config.boot_source.boot_args, "console=ttyS0 quiet");
    EXPECT_EQ(config.machine.vcpu_count, 2u);
    ASSERT_EQ(config.drives.size(), 2u);
    EXPECT_EQ(config.drives[0].drive_id, "rootfs") << "validation puts the root drive first";
}

TEST_F(VmControllerTest, PutDriveWithTheSameIdReplacesIt) {
    ASSERT_TRUE(controller_->put_drive(drive("data")).has_value());
    DriveConfig replacement = drive("data");
    replacement.is_read_only = true;
    ASSERT_TRUE(controller_->put_drive(replacement).has_value());
    ASSERT_EQ(controller_->vm_config().drives.size(), 1u);
    EXPECT_TRUE(controller_->vm_config().drives[0].is_read_only);
}

TEST_F(VmControllerTest, InvalidRequestLeavesTheConfigUnchanged) {
    ASSERT_TRUE(controller_->put_drive(drive("rootfs", true)).has_value());
    VmConfig before = controller_->vm_config();

    auto machine = controller_->put_machine_config({.vcpu_count = 0});
    ASSERT_FALSE(machine.has_value());
    EXPECT_EQ(machine.error().message(),
              "machine-config.vcpu_count: must be between 1 and 254, got 0");
    auto patched = controller_->patch_machine_config({.mem_size_mib = 4});
    ASSERT_FALSE(patched.has_value());
    auto second_root = controller_->put_drive(drive("other", true));
    ASSERT_FALSE(second_root.has_value());
    EXPECT_NE(second_root.error().message().find("root device"), std::string::npos)
        << second_root.error().message();
    auto bad_id = controller_->put_drive(drive("no spaces"));
    ASSERT_FALSE(bad_id.has_value());
    auto empty_kernel = controller_->put_boot_source({.kernel_image_path = ""});
    ASSERT_FALSE(empty_kernel.has_value());
    EXPECT_EQ(empty_kernel.error().message(), "boot-source.kernel_image_path: must not be empty");

    VmConfig after = controller_->vm_config();
    EXPECT_EQ(after.machine.vcpu_count, before.machine.vcpu_count);
    EXPECT_EQ(after.machine.mem_size_mib, before.machine.mem_size_mib);
    ASSERT_EQ(after.drives.size(), 1u);
    EXPECT_EQ(after.drives[0].drive_id, "rootfs");
    EXPECT_EQ(after.boot_source.kernel_image_path, "");
}

TEST_F(VmControllerTest, PatchMachineConfigChangesOnlyTheGivenFields) {
    ASSERT_TRUE(
        controller_->put_machine_config({.vcpu_count = 2, .mem_size_mib = 256}).has_value());
    ASSERT_TRUE(controller_->patch_machine_config({.mem_size_mib = 1024}).has_value());
    EXPECT_EQ(controller_->machine_config().vcpu_count, 2u);
    EXPECT_EQ(controller_->machine_config().mem_size_mib, 1024u);
}

TEST_F(VmControllerTest, PatchDriveBeforeStartUpdatesTheStoredDrive) {
    DriveConfig limited = drive("data");
    limited.rate_limiter =
        RateLimiterConfig{.bandwidth = TokenBucketConfig{.size = 100, .refill_time_ms = 10},
                          .ops = TokenBucketConfig{.size = 5, .refill_time_ms = 10}};
    ASSERT_TRUE(controller_->put_drive(limited).has_value());
    DrivePatch patch{.drive_id = "data",
                     .path_on_host = "/images/new.img",
                     .rate_limiter = RateLimiterConfig{
                         .bandwidth = TokenBucketConfig{.size = 200, .refill_time_ms = 20}}};
    ASSERT_TRUE(controller_->patch_drive(patch).has_value());
    VmConfig config = controller_->vm_config();
    const DriveConfig& stored = config.drives.at(0);
    EXPECT_EQ(stored.path_on_host, "/images/new.img");
    EXPECT_EQ(stored.rate_limiter->bandwidth->size, 200u);
    EXPECT_EQ(stored.rate_limiter->ops->size, 5u) << "buckets not in the patch stay";
    EXPECT_TRUE(log_->calls.empty()) << "no VM before start";

    auto missing = controller_->patch_drive({.drive_id = "nope"});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().message(), "drive_id: no drive has the id \"nope\"");
    auto bad = controller_->patch_drive(
        {.drive_id = "data",
         .rate_limiter = RateLimiterConfig{.bandwidth = TokenBucketConfig{.size = 1}}});
    ASSERT_FALSE(bad.has_value()) << "a bucket with a size needs a refill time";
    EXPECT_EQ(controller_->vm_config().drives.at(0).rate_limiter->bandwidth->size, 200u);
}

TEST_F(VmControllerTest, StartNeedsABootSource) {
    auto started = controller_->start_instance();
    ASSERT_FALSE(started.has_value());
    EXPECT_EQ(started.error().message(), "Cannot start microvm without kernel configuration.");
    EXPECT_EQ(controller_->instance_info().state, VmState::kNotStarted);
}

TEST_F(VmControllerTest, StartBuildsOnTheSharedLoopWithTheSerialPath) {
    ASSERT_TRUE(controller_->put_serial({.serial_out_path = "/tmp/console.out"}).has_value());
    ASSERT_TRUE(controller_->put_drive(drive("rootfs", true)).has_value());
    start();
    EXPECT_EQ(controller_->instance_info().state, VmState::kRunning);
    ASSERT_TRUE(log_->built_options.has_value());
    EXPECT_EQ(log_->built_options->event_loop, loop_);
    EXPECT_EQ(log_->built_options->serial_out_path, "/tmp/console.out");
    EXPECT_EQ(log_->built_config->boot_source.kernel_image_path, "/k");
    EXPECT_EQ(log_->built_config->drives.size(), 1u);
    EXPECT_EQ(log_->calls, std::vector<std::string>{"start"});

    auto again = controller_->start_instance();
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().message(),
              "cannot start: the microVM was already started (state: Running)");
}

TEST_F(VmControllerTest, FailedBuildOrStartLeavesItNotStarted) {
    ASSERT_TRUE(controller_->put_boot_source({.kernel_image_path = "/k"}).has_value());
    log_->fail_build = "no KVM";
    auto built = controller_->start_instance();
    ASSERT_FALSE(built.has_value());
    EXPECT_EQ(built.error().message(), "no KVM");
    log_->fail_build.reset();
    log_->fail_start = "vCPU 0 failed";
    ASSERT_FALSE(controller_->start_instance().has_value());
    EXPECT_EQ(controller_->instance_info().state, VmState::kNotStarted);
    log_->fail_start.reset();
    EXPECT_TRUE(controller_->start_instance().has_value()) << "it can be tried again";
}

TEST_F(VmControllerTest, PreBootRequestsAreRefusedAfterStart) {
    ASSERT_TRUE(controller_->put_drive(drive("data")).has_value());
    start();
    VmConfig before = controller_->vm_config();
    const std::string refusal(kNotSupportedAfterStart);
    std::vector<Result<>> results;
    results.push_back(controller_->put_boot_source({.kernel_image_path = "/other"}));
    results.push_back(controller_->put_machine_config({.vcpu_count = 2}));
    results.push_back(controller_->patch_machine_config({.vcpu_count = 2}));
    results.push_back(controller_->put_drive(drive("more")));
    results.push_back(
        controller_->put_network_interface({.iface_id = "eth0", .host_dev_name = "tap0"}));
    results.push_back(controller_->put_entropy({}));
    results.push_back(controller_->put_serial({}));
    results.push_back(controller_->put_logger({}));
    results.push_back(controller_->put_metrics({.metrics_path = "/tmp/m"}));
    results.push_back(controller_->load_config(before));
    for (size_t i = 0; i < results.size(); ++i) {
        ASSERT_FALSE(results[i].has_value()) << i;
        EXPECT_EQ(results[i].error().message(), refusal) << i;
    }
    VmConfig after = controller_->vm_config();
    EXPECT_EQ(after.boot_source.kernel_image_path, "/k");
    EXPECT_EQ(after.machine.vcpu_count, 1u);
    EXPECT_EQ(after.drives.size(), 1u);
    EXPECT_TRUE(after.network_interfaces.empty());
}

TEST_F(VmControllerTest, PatchDriveAfterStartGoesToTheVm) {
    ASSERT_TRUE(controller_->put_drive(drive("data")).has_value());
    start();
    ASSERT_TRUE(
        controller_->patch_drive({.drive_id = "data", .path_on_host = "/images/swapped.img"})
            .has_value());
    ASSERT_EQ(log_->drive_updates.size(), 1u);
    EXPECT_EQ(log_->drive_updates[0].path_on_host, "/images/swapped.img");
    EXPECT_EQ(controller_->vm_config().drives[0].path_on_host, "/images/swapped.img");

    log_->fail_update = "the device refused";
    auto refused =
        controller_->patch_drive({.drive_id = "data", .path_on_host = "/images/third.img"});
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().message(), "the device refused");
    EXPECT_EQ(controller_->vm_config().drives[0].path_on_host, "/images/swapped.img")
        << "a change the VM refused is not stored";
}

TEST_F(VmControllerTest, PauseAndResumeGoThroughTheStateMachine) {
    auto early = controller_->pause();
    ASSERT_FALSE(early.has_value());
    EXPECT_EQ(early.error().message(),
              "cannot pause: the microVM is not running (state: Not started)");
    auto early_keys = controller_->send_ctrl_alt_del();
    ASSERT_FALSE(early_keys.has_value());
    EXPECT_EQ(early_keys.error().message(), kNotSupportedBeforeStart);
    start();
    ASSERT_TRUE(controller_->pause().has_value());
    EXPECT_EQ(controller_->instance_info().state, VmState::kPaused);
    auto twice = controller_->pause();
    ASSERT_FALSE(twice.has_value());
    EXPECT_EQ(twice.error().message(),
              "cannot pause: the microVM is already paused (state: Paused)");
    ASSERT_TRUE(controller_->resume().has_value());
    EXPECT_EQ(controller_->instance_info().state, VmState::kRunning);
    ASSERT_TRUE(controller_->send_ctrl_alt_del().has_value());
    EXPECT_EQ(log_->calls, (std::vector<std::string>{"start", "pause", "resume", "ctrl_alt_del"}));

    log_->fail_pause = "vCPUs did not stop";
    ASSERT_FALSE(controller_->pause().has_value());
    EXPECT_EQ(controller_->instance_info().state, VmState::kRunning)
        << "a failed pause keeps it running";
}

TEST_F(VmControllerTest, FinishStopsTheVm) {
    start();
    controller_->request_exit({VmExitKind::Crash, "triple fault"});
    VmExit exit = controller_->finish();
    EXPECT_EQ(exit.kind, VmExitKind::Crash);
    EXPECT_EQ(exit.message, "triple fault");
    EXPECT_EQ(controller_->instance_info().state, VmState::kStopped);
}

TEST_F(VmControllerTest, ExitBeforeStartStopsTheLoop) {
    controller_->request_exit({VmExitKind::Error, "stopped by signal 15 (Terminated)"});
    ASSERT_TRUE(loop_->run().has_value()) << "stop() before run() ends it at once";
    VmExit exit = controller_->finish();
    EXPECT_EQ(exit.exit_code(), 2);
    EXPECT_EQ(exit.message, "stopped by signal 15 (Terminated)");
}

}  // namespace
}  // namespace zapotec
