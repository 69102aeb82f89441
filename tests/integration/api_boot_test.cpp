// Drives a real `zapotec --api-sock` over its socket with curl, as a Firecracker client
// would: configure and boot the hello and keywait payloads, the states GET / reports, pause,
// resume, Ctrl+Alt+Del, refusals after start, malformed requests and the socket's permissions.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "api_process.hpp"
#include "run_zapotec.hpp"

namespace zapotec::testing {
namespace {

#define SKIP_WITHOUT_KVM()                                             \
    do {                                                               \
        if (auto reason = kvm_unavailable_reason(); !reason.empty()) { \
            GTEST_SKIP() << reason;                                    \
        }                                                              \
    } while (0)

std::string boot_source_json() {
    return nlohmann::json{{"kernel_image_path", payload("hello")}}.dump();
}

std::string fault_message(const HttpResponse& response) {
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (!json.is_object() || !json.contains("fault_message"))
        return "";
    return json["fault_message"].get<std::string>();
}

TEST(ApiBoot, ConfigureAndStartTheHelloPayload) {
    SKIP_WITHOUT_KVM();
    ApiProcess zapotec;
    ASSERT_TRUE(zapotec.ready()) << zapotec.err();

    HttpResponse info = zapotec.request("GET", "/");
    ASSERT_EQ(info.status, 200) << info.body;
    auto json = nlohmann::json::parse(info.body);
    EXPECT_EQ(json["state"], "Not started");
    EXPECT_EQ(json["id"], "anonymous-instance");
    EXPECT_EQ(json["app_name"], "Zapotec");
    EXPECT_EQ(json["vmm_version"], ZAPOTEC_VERSION);

    EXPECT_EQ(zapotec.request("PUT", "/boot-source", boot_source_json()).status, 204);
    EXPECT_EQ(zapotec.request("PUT", "/machine-config", R"({"vcpu_count": 1, "mem_size_mib": 32})")
                  .status,
              204);
    HttpResponse started =
        zapotec.request("PUT", "/actions", R"({"action_type": "InstanceStart"})");
    ASSERT_EQ(started.status, 204) << started.body << zapotec.err();
    EXPECT_EQ(zapotec.wait_exit(30), 0) << zapotec.err();
    EXPECT_NE(zapotec.out().find("ZAPOTEC-PAYLOAD: hello"), std::string::npos) << zapotec.out();
}

TEST(ApiBoot, SocketIsOwnerOnly) {
    ApiProcess zapotec;
    ASSERT_TRUE(zapotec.ready()) << zapotec.err();
    struct stat st {};
    ASSERT_EQ(stat(zapotec.socket().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(ApiBoot, BadRequestsGetFaultMessages) {
    ApiProcess zapotec;
    ASSERT_TRUE(zapotec.ready()) << zapotec.err();
    HttpResponse bad_json = zapotec.request("PUT", "/machine-config", "{\"vcpu_count\": ");
    EXPECT_EQ(bad_json.status, 400) << bad_json.body;
    EXPECT_FALSE(fault_message(bad_json).empty()) << bad_json.body;

    HttpResponse invalid =
        zapotec.request("PUT", "/machine-config", R"({"vcpu_count": 0, "mem_size_mib": 128})");
    EXPECT_EQ(invalid.status, 400) << invalid.body;
    EXPECT_NE(fault_message(invalid).find("vcpu_count"), std::string::npos) << invalid.body;
    auto config = nlohmann::json::parse(zapotec.request("GET", "/machine-config").body);
    EXPECT_EQ(config["vcpu_count"], 1) << "a refused request changes nothing";
    EXPECT_EQ(config["mem_size_mib"], 128);

    HttpResponse no_kernel =
        zapotec.request("PUT", "/actions", R"({"action_type": "InstanceStart"})");
    EXPECT_EQ(no_kernel.status, 400) << no_kernel.body;
    EXPECT_EQ(fault_message(no_kernel), "Cannot start microvm without kernel configuration.");

    HttpResponse pause = zapotec.request("PATCH", "/vm", R"({"state": "Paused"})");
    EXPECT_EQ(pause.status, 400) << pause.body;
    EXPECT_EQ(fault_message(pause),
              "cannot pause: the microVM is not running (state: Not started)");
}

// The keywait payload stays up until a key arrives, so requests after start meet a
// running VM: pre-boot changes are refused, pause and resume change what GET / reports, and
// SendCtrlAltDel makes the guest power off.
TEST(ApiBoot, RunningVmRefusesPreBootChangesPausesResumesAndTakesCtrlAltDel) {
    SKIP_WITHOUT_KVM();
    ApiProcess zapotec;
    ASSERT_TRUE(zapotec.ready()) << zapotec.err();
    std::string source = nlohmann::json{{"kernel_image_path", payload("keywait")}}.dump();
    ASSERT_EQ(zapotec.request("PUT", "/boot-source", source).status, 204);
    ASSERT_EQ(zapotec.request("PUT", "/machine-config", R"({"vcpu_count": 2, "mem_size_mib": 32})")
                  .status,
              204);
    HttpResponse started =
        zapotec.request("PUT", "/actions", R"({"action_type": "InstanceStart"})");
    ASSERT_EQ(started.status, 204) << started.body << zapotec.err();

    auto state = [&] {
        HttpResponse info = zapotec.request("GET", "/");
        auto json = nlohmann::json::parse(info.body, nullptr, false);
        return json.is_object() ? json.value("state", "") : info.body;
    };
    EXPECT_EQ(state(), "Running");
    HttpResponse late =
        zapotec.request("PUT", "/machine-config", R"({"vcpu_count": 1, "mem_size_mib": 32})");
    EXPECT_EQ(late.status, 400) << late.body;
    EXPECT_EQ(fault_message(late),
              "The requested operation is not supported after starting the microVM.");

    EXPECT_EQ(zapotec.request("PATCH", "/vm", R"({"state": "Paused"})").status, 204);
    EXPECT_EQ(state(), "Paused");
    HttpResponse again = zapotec.request("PUT", "/actions", R"({"action_type": "InstanceStart"})");
    EXPECT_EQ(again.status, 400) << again.body;
    EXPECT_EQ(zapotec.request("PATCH", "/vm", R"({"state": "Resumed"})").status, 204);
    EXPECT_EQ(state(), "Running");

    HttpResponse metrics = zapotec.request("GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("zapotec_vcpu_exits"), std::string::npos) << metrics.body;

    EXPECT_EQ(zapotec.request("PUT", "/actions", R"({"action_type": "SendCtrlAltDel"})").status,
              204);
    EXPECT_EQ(zapotec.wait_exit(30), 0) << zapotec.err();
    EXPECT_NE(zapotec.out().find("ZAPOTEC-PAYLOAD: waiting"), std::string::npos) << zapotec.out();
}

}  // namespace
}  // namespace zapotec::testing
