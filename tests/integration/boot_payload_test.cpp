// Boots tiny PVH payloads with the real zapotec binary: console output, power-off, reset and
// crash exits, SMP start-up and the one-line errors for bad input.
#include <gtest/gtest.h>

#include <fstream>

#include "run_zapotec.hpp"

namespace zapotec::testing {
namespace {

#define SKIP_WITHOUT_KVM()                                             \
    do {                                                               \
        if (auto reason = kvm_unavailable_reason(); !reason.empty()) { \
            GTEST_SKIP() << reason;                                    \
        }                                                              \
    } while (0)

TEST(BootPayload, PrintsOnTheConsoleAndPowersOff) {
    SKIP_WITHOUT_KVM();
    auto result = run_zapotec({"run", "--kernel", payload("hello"), "--memory", "32"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("ZAPOTEC-PAYLOAD: hello"), std::string::npos) << result.out;
    EXPECT_EQ(result.err, "");
}

TEST(BootPayload, BootTimerReportsTheGuestsMarkerWrite) {
    SKIP_WITHOUT_KVM();
    auto result =
        run_zapotec({"--boot-timer", "run", "--kernel", payload("hello"), "--memory", "32"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.err.find("boot-timer: guest boot complete "), std::string::npos) << result.err;
}

TEST(BootPayload, StartsWithSeveralVcpusAndDisks) {
    SKIP_WITHOUT_KVM();
    char disk[] = "/tmp/zapotec-test-disk-XXXXXX";
    int fd = mkstemp(disk);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 1 << 20), 0);
    close(fd);
    auto result = run_zapotec({"run", "--kernel", payload("hello"), "--cpus", "4", "--memory", "64",
                               "--disk", disk, "--disk", std::string(disk) + ",ro"});
    unlink(disk);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("ZAPOTEC-PAYLOAD: hello"), std::string::npos);
}

TEST(BootPayload, GuestResetExitsZero) {
    SKIP_WITHOUT_KVM();
    auto result =
        run_zapotec({"run", "--kernel", payload("reset"), "--memory", "32", "--log-level", "info"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.err.find("i8042"), std::string::npos) << result.err;
}

TEST(BootPayload, TripleFaultExitsNonZeroWithOneLine) {
    SKIP_WITHOUT_KVM();
    auto result = run_zapotec({"run", "--kernel", payload("triple_fault"), "--memory", "32"});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find("triple fault"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("RIP"), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(BootPayload, ConfigFileBootsTheSameGuest) {
    SKIP_WITHOUT_KVM();
    std::string path = "/tmp/zapotec-test-config.json";
    std::ofstream(path) << R"({"boot-source": {"kernel_image_path": ")" << payload("hello")
                        << R"("}, "drives": [], "machine-config": {"vcpu_count": 2,
                        "mem_size_mib": 32}})";
    auto result = run_zapotec({"--config-file", path, "--no-api"});
    unlink(path.c_str());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("ZAPOTEC-PAYLOAD: hello"), std::string::npos);
}

TEST(BootPayload, UnusableNetworkInterfaceIsRefusedNotIgnored) {
    SKIP_WITHOUT_KVM();
    std::string path = "/tmp/zapotec-test-config-net.json";
    // No tap can have this name, so the VM must not start without its interface.
    std::ofstream(path) << R"({"boot-source": {"kernel_image_path": ")" << payload("hello")
                        << R"("}, "drives": [], "network-interfaces": [{"iface_id": "eth0",
                        "host_dev_name": "no/tap"}]})";
    auto result = run_zapotec({"--config-file", path, "--no-api"});
    unlink(path.c_str());
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("network-interfaces[0].host_dev_name: cannot open tap 'no/tap'"),
              std::string::npos)
        << result.err;
    EXPECT_EQ(result.out.find("ZAPOTEC-PAYLOAD"), std::string::npos) << "the guest ran";
}

// Bad input: one line naming the problem, a non-zero exit, and no guest started.
struct BadInput {
    std::vector<std::string> args;
    std::string expected;
};

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, FailsWithOneClearLine) {
    const auto& param = GetParam();
    auto result = run_zapotec(param.args);
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.exit_code, -1) << "zapotec hung";
    EXPECT_NE(result.err.find(param.expected), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(result.out, "");
}

INSTANTIATE_TEST_SUITE_P(
    Cli, BadInputTest,
    ::testing::Values(BadInput{{"run", "--kernel", "/nonexistent/vmlinuz"}, "/nonexistent/vmlinuz"},
                      BadInput{{"run", "--kernel", "/etc/hostname"}, "/etc/hostname"},
                      BadInput{{"run", "--kernel", "/etc/hostname", "--cpus", "0"}, "--cpus"},
                      BadInput{{"run", "--kernel", "/etc/hostname", "--memory", "1"}, "--memory"},
                      BadInput{{"run", "--kernel", "/etc/hostname", "--disk", "/nonexistent.img"},
                               "/nonexistent.img"},
                      BadInput{{"--config-file", "/nonexistent.json", "--no-api"},
                               "/nonexistent.json"}));

}  // namespace
}  // namespace zapotec::testing
