// Pausing and resuming a running guest on the real KVM: a tiny PVH guest prints a line, then
// polls the i8042 status port until a key arrives and powers off. The tests pause it while it
// polls, check its registers hold still, resume it and press Ctrl+Alt+Del to end it. Each
// test skips, saying why, where /dev/kvm cannot be opened.
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "../loader/test_images.hpp"
#include "vmm/vmm.hpp"

namespace zapotec {

struct VmmTestPeer {
    static VcpuThread& vcpu(Vmm& vmm, size_t index) { return *vmm.vcpus_.at(index); }
};

namespace {

using namespace std::chrono_literals;

constexpr uint64_t kCodeAddress = 0x100000;
// 32-bit protected mode, paging off (the PVH entry state).
const std::vector<uint8_t> kGuestCode{
    0xb0, 'P',               // mov $'P', %al
    0x66, 0xba, 0xf8, 0x03,  // mov $0x3f8, %dx
    0xee,                    // out %al, %dx
    0xb0, '\n',              // mov $'\n', %al
    0xee,                    // out %al, %dx
    0xe4, 0x64,              // poll: in $0x64, %al
    0xa8, 0x01,              // test $1, %al (output buffer full)
    0x74, 0xfa,              // jz poll
    0xe4, 0x60,              // in $0x60, %al
    0x66, 0xba, 0x00, 0x06,  // mov $0x600, %dx (ACPI sleep control)
    0xb0, 0x34,              // mov $0x34, %al (S5, SLP_EN)
    0xee,                    // out %al, %dx
    0xf4,                    // halt: hlt
    0xeb, 0xfd,              // jmp halt
};

std::vector<uint8_t> guest_elf() {
    test::ElfSpec spec;
    spec.segments = {{kCodeAddress, 0x1000, 0x1000}};
    spec.entry = kCodeAddress;
    auto file = test::make_elf(spec);
    Elf64_Ehdr ehdr;
    std::memcpy(&ehdr, file.data(), sizeof(ehdr));
    Elf64_Phdr load;
    std::memcpy(&load, file.data() + ehdr.e_phoff, sizeof(load));
    std::copy(kGuestCode.begin(), kGuestCode.end(),
              file.begin() + static_cast<long>(load.p_offset));
    return file;
}

std::string kvm_unavailable_reason() {
    int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return std::string("/dev/kvm cannot be opened: ") + std::strerror(errno);
    ::close(fd);
    return "";
}

// Records every counter as "kind/id/name".
class RecordingCollector final : public MetricsCollector {
  public:
    MetricSink& component(std::string_view kind, std::string_view id) override {
        sink_.prefix = fmt::format("{}/{}/", kind, id);
        return sink_;
    }
    uint64_t get(const std::string& key) const {
        auto it = sink_.values.find(key);
        return it == sink_.values.end() ? UINT64_MAX : it->second;
    }

  private:
    struct Sink final : MetricSink {
        void counter(std::string_view name, uint64_t value) override {
            values[prefix + std::string(name)] = value;
        }
        std::string prefix;
        std::map<std::string, uint64_t> values;
    } sink_;
};

class VmmPauseTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (auto reason = kvm_unavailable_reason(); !reason.empty())
            GTEST_SKIP() << reason;
        auto created = EventLoop::create();
        ASSERT_TRUE(created.has_value());
        loop = std::move(*created);
        serial_path = kernel.path() + ".serial";
    }
    void TearDown() override { ::unlink(serial_path.c_str()); }

    std::unique_ptr<Vmm> build(uint32_t vcpus) {
        VmConfig config;
        config.boot_source.kernel_image_path = kernel.path();
        config.machine.vcpu_count = vcpus;
        config.machine.mem_size_mib = 32;
        BuildOptions options;
        options.interactive_console = false;
        options.event_loop = loop;
        options.serial_out_path = serial_path;
        auto vmm = Vmm::build(config, options);
        EXPECT_TRUE(vmm.has_value()) << vmm.error().message();
        return vmm ? std::move(*vmm) : nullptr;
    }

    // Serves the loop until the VM ends (or 10 s pass), then finishes the VM.
    VmExit run_to_end(Vmm& vmm) {
        std::mutex mutex;
        std::condition_variable done_changed;
        bool done = false;
        std::thread watchdog([&] {
            std::unique_lock lock(mutex);
            if (!done_changed.wait_for(lock, 10s, [&] { return done; }))
                loop->stop();
        });
        auto ran = loop->run();
        {
            std::lock_guard lock(mutex);
            done = true;
        }
        done_changed.notify_all();
        watchdog.join();
        EXPECT_TRUE(ran.has_value());
        return vmm.finish();
    }

    std::string serial_output() const {
        std::ifstream in(serial_path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    test::TempFile kernel{guest_elf()};
    std::string serial_path;
    std::shared_ptr<EventLoop> loop;
};

TEST_F(VmmPauseTest, PausedGuestHoldsStillAndFinishesAfterResume) {
    auto vmm = build(1);
    ASSERT_TRUE(vmm);
    ASSERT_TRUE(vmm->start().has_value());
    std::this_thread::sleep_for(20ms);  // Let it reach the polling loop.
    ASSERT_TRUE(vmm->pause().has_value());
    VcpuThread& vcpu = VmmTestPeer::vcpu(*vmm, 0);
    EXPECT_TRUE(vcpu.parked());
    auto before = vcpu.paused_regs();
    ASSERT_TRUE(before.has_value()) << before.error().message();
    uint64_t exits = vcpu.exit_count();
    std::this_thread::sleep_for(50ms);
    auto after = vcpu.paused_regs();
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->rip, before->rip);
    EXPECT_EQ(vcpu.exit_count(), exits);
    EXPECT_GE(before->rip, kCodeAddress + 10);  // In the polling loop.
    EXPECT_LT(before->rip, kCodeAddress + 16);

    // Pausing twice is harmless; so is resuming twice.
    ASSERT_TRUE(vmm->pause().has_value());
    ASSERT_TRUE(vmm->resume().has_value());
    ASSERT_TRUE(vmm->resume().has_value());
    std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(vcpu.paused_regs().has_value());  // resume() does not wait for the thread.
    EXPECT_GT(vcpu.exit_count(), exits);           // It polls again.

    ASSERT_TRUE(vmm->send_ctrl_alt_del().has_value());
    VmExit exit = run_to_end(*vmm);
    EXPECT_EQ(exit.kind, VmExitKind::PowerOff) << exit.message;
    EXPECT_EQ(serial_output(), "P\n");

    RecordingCollector metrics;
    vmm->collect_metrics(metrics);
    EXPECT_GT(metrics.get("vcpu/0/exits_io_in"), 0u);
    EXPECT_GE(metrics.get("vcpu/0/exits_io_out"), 3u);
    EXPECT_EQ(metrics.get("vcpu/0/pauses"), 1u);
    EXPECT_NE(metrics.get("vcpu/0/cpu_time_us"), UINT64_MAX);
    EXPECT_EQ(metrics.get("vmm/0/pauses"), 1u);
    EXPECT_EQ(metrics.get("vmm/0/resumes"), 1u);
    EXPECT_NE(metrics.get("vmm/0/last_pause_latency_us"), UINT64_MAX);
}

TEST_F(VmmPauseTest, FinishEndsAPausedVm) {
    auto vmm = build(2);
    ASSERT_TRUE(vmm);
    ASSERT_TRUE(vmm->start().has_value());
    ASSERT_TRUE(vmm->pause().has_value());
    EXPECT_TRUE(loop->devices_paused());
    VmExit exit = vmm->finish();  // Must not hang on the parked threads.
    EXPECT_EQ(exit.kind, VmExitKind::Error);
    EXPECT_FALSE(loop->devices_paused());
}

TEST_F(VmmPauseTest, PauseLatencyWithTwoVcpus) {
    auto vmm = build(2);
    ASSERT_TRUE(vmm);
    ASSERT_TRUE(vmm->start().has_value());
    std::this_thread::sleep_for(20ms);
    std::vector<uint64_t> latencies;
    for (int round = 0; round < 10; ++round) {
        ASSERT_TRUE(vmm->pause().has_value());
        ASSERT_TRUE(VmmTestPeer::vcpu(*vmm, 0).paused_regs().has_value());
        ASSERT_TRUE(VmmTestPeer::vcpu(*vmm, 1).paused_regs().has_value());
        RecordingCollector metrics;
        vmm->collect_metrics(metrics);
        latencies.push_back(metrics.get("vmm/0/last_pause_latency_us"));
        ASSERT_TRUE(vmm->resume().has_value());
        std::this_thread::sleep_for(2ms);
    }
    std::sort(latencies.begin(), latencies.end());
    uint64_t sum = 0;
    for (uint64_t latency : latencies)
        sum += latency;
    std::cout << fmt::format(
        "[ pause latency ] 2 vCPUs, {} pauses: min {} us, median {} us, "
        "max {} us, mean {} us\n",
        latencies.size(), latencies.front(), latencies[latencies.size() / 2], latencies.back(),
        sum / latencies.size());
    ASSERT_TRUE(vmm->send_ctrl_alt_del().has_value());
    VmExit exit = run_to_end(*vmm);
    EXPECT_EQ(exit.kind, VmExitKind::PowerOff) << exit.message;
}

TEST_F(VmmPauseTest, LifecycleCallsOutOfOrderAreRefused) {
    auto vmm = build(1);
    ASSERT_TRUE(vmm);
    EXPECT_FALSE(vmm->pause().has_value());
    EXPECT_FALSE(vmm->send_ctrl_alt_del().has_value());
    EXPECT_TRUE(vmm->resume().has_value());  // Not paused: nothing to do.
    ASSERT_TRUE(vmm->start().has_value());
    EXPECT_FALSE(vmm->start().has_value());
    VmExit exit = vmm->finish();
    EXPECT_EQ(exit.kind, VmExitKind::Error);
}

}  // namespace
}  // namespace zapotec
