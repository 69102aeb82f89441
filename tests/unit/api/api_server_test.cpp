// The API server in-process: a real EventLoop on a thread as the VMM, a fake VmControl, and
// clients speaking HTTP over the socket (Zapotec's own client, curl, and raw bytes for the
// malformed cases).
#include "api/api_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "api/api_client.hpp"
#include "api_test_util.hpp"
#include "base/unique_fd.hpp"
#include "cli/ctl.hpp"

namespace zapotec::api::testing {
namespace {

class ApiServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        socket_path = fmt::format("/tmp/zapotec-api-test-{}-{}.sock", ::getpid(), counter++);
        auto created = EventLoop::create();
        ASSERT_TRUE(created) << created.error().message();
        loop = std::move(*created);
        loop_thread = std::thread([this] { (void)loop->run(); });
        auto started = ApiServer::start(socket_path, *loop, vm);
        ASSERT_TRUE(started) << started.error().message();
        server = std::move(*started);
    }

    void TearDown() override {
        server.reset();
        if (loop) {
            loop->stop();
            if (loop_thread.joinable())
                loop_thread.join();
        }
        EXPECT_NE(::access(socket_path.c_str(), F_OK), 0) << "the socket was not unlinked";
    }

    ApiResponse send(const std::string& method, const std::string& path,
                     const std::string& body = "") {
        auto response = send_api_request(socket_path, {method, path, body});
        EXPECT_TRUE(response) << response.error().message();
        return response ? *response : ApiResponse{0, ""};
    }

    UniqueFd raw_connect() {
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
        EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
        return fd;
    }

    // Sends raw bytes and returns everything the server answers until it closes or 3 s pass.
    std::string raw_exchange(const std::string& bytes) {
        UniqueFd fd = raw_connect();
        EXPECT_EQ(::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(bytes.size()));
        timeval timeout{3, 0};
        ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
        std::string answer;
        char chunk[4096];
        ssize_t n;
        while ((n = ::recv(fd.get(), chunk, sizeof(chunk), 0)) > 0)
            answer.append(chunk, static_cast<size_t>(n));
        return answer;
    }

    std::string curl(const std::string& arguments) {
        std::string command =
            fmt::format("curl -s --max-time 10 --unix-socket {} -w ' %{{http_code}}' {}",
                        socket_path, arguments);
        FILE* pipe = ::popen(command.c_str(), "r");
        std::string output;
        char chunk[512];
        size_t n;
        while (pipe != nullptr && (n = std::fread(chunk, 1, sizeof(chunk), pipe)) > 0)
            output.append(chunk, n);
        if (pipe != nullptr)
            ::pclose(pipe);
        return output;
    }

    static inline int counter = 0;
    std::string socket_path;
    FakeVmControl vm;
    std::unique_ptr<EventLoop> loop;
    std::thread loop_thread;
    std::unique_ptr<ApiServer> server;
};

TEST_F(ApiServerTest, SocketIsPrivate) {
    struct stat info {};
    ASSERT_EQ(::stat(socket_path.c_str(), &info), 0);
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(ApiServerTest, ServesEveryEndpoint) {
    EXPECT_EQ(send("GET", "/").status, 200);
    EXPECT_EQ(send("GET", "/version").status, 200);
    EXPECT_EQ(send("PUT", "/boot-source", R"({"kernel_image_path": "k"})").status, 204);
    EXPECT_EQ(send("PUT", "/drives/root",
                   R"({"drive_id": "root", "path_on_host": "r", "is_root_device": true})")
                  .status,
              204);
    EXPECT_EQ(send("PATCH", "/drives/root", R"({"drive_id": "root", "path_on_host": "n"})").status,
              204);
    EXPECT_EQ(send("PUT", "/machine-config", R"({"vcpu_count": 2, "mem_size_mib": 64})").status,
              204);
    EXPECT_EQ(send("PATCH", "/machine-config", R"({"smt": false})").status, 204);
    EXPECT_EQ(send("GET", "/machine-config").status, 200);
    EXPECT_EQ(
        send("PUT", "/network-interfaces/eth0", R"({"iface_id": "eth0", "host_dev_name": "tap0"})")
            .status,
        204);
    EXPECT_EQ(send("PATCH", "/network-interfaces/eth0", R"({"iface_id": "eth0"})").status, 204);
    EXPECT_EQ(send("PUT", "/logger", R"({"level": "Info"})").status, 204);
    EXPECT_EQ(send("PUT", "/metrics", R"({"metrics_path": "/dev/null"})").status, 204);
    EXPECT_EQ(send("PUT", "/entropy", "{}").status, 204);
    EXPECT_EQ(send("PUT", "/serial", "{}").status, 204);
    EXPECT_EQ(send("PUT", "/actions", R"({"action_type": "InstanceStart"})").status, 204);
    EXPECT_EQ(send("PATCH", "/vm", R"({"state": "Paused"})").status, 204);
    EXPECT_EQ(send("PATCH", "/vm", R"({"state": "Resumed"})").status, 204);
    auto config = send("GET", "/vm/config");
    EXPECT_EQ(config.status, 200);
    EXPECT_EQ(nlohmann::json::parse(config.body)["machine-config"]["vcpu_count"], 2);
    auto metrics = send("GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4");
    // Bad bodies on the wire.
    auto bad = send("PUT", "/machine-config", R"({"vcpu_count": "two", "mem_size_mib": 64})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.content_type, "application/json");
    EXPECT_NE(fault(bad).find("vcpu_count: expected an unsigned integer"), std::string::npos);
    EXPECT_EQ(send("GET", "/nothing").status, 400);
    EXPECT_EQ(vm.calls.size(), 14u);
    EXPECT_EQ(vm.counted.size(), 21u);
}

TEST_F(ApiServerTest, CurlSequenceFromTheIssue) {
    EXPECT_EQ(curl("-X PUT http://localhost/boot-source -d '{\"kernel_image_path\": \"vmlinuz\", "
                   "\"boot_args\": \"console=ttyS0 reboot=k panic=1\"}'"),
              " 204");
    EXPECT_EQ(curl("-X PUT http://localhost/drives/rootfs -d '{\"drive_id\": \"rootfs\", "
                   "\"path_on_host\": \"rootfs.ext4\", \"is_root_device\": true, "
                   "\"is_read_only\": false}'"),
              " 204");
    EXPECT_EQ(curl("-X PUT http://localhost/machine-config -d '{\"vcpu_count\": 2, "
                   "\"mem_size_mib\": 256}'"),
              " 204");
    EXPECT_EQ(curl("-X PUT http://localhost/actions -d '{\"action_type\": \"InstanceStart\"}'"),
              " 204");
    EXPECT_EQ(curl("-X PATCH http://localhost/vm -d '{\"state\": \"Paused\"}'"), " 204");
    EXPECT_EQ(vm.calls,
              (std::vector<std::string>{"put_boot_source", "put_drive", "put_machine_config",
                                        "start_instance", "pause"}));
    std::string info = curl("http://localhost/");
    EXPECT_NE(info.find("\"app_name\":\"Zapotec\""), std::string::npos) << info;
    EXPECT_TRUE(info.ends_with(" 200"));
    std::string bad = curl("-X PUT http://localhost/drives/a.b -d '{}'");
    EXPECT_NE(bad.find("fault_message"), std::string::npos) << bad;
    EXPECT_TRUE(bad.ends_with(" 400"));
}

TEST_F(ApiServerTest, OversizedBodyIsRefused) {
    std::string body(kMaxRequestBodySize + 1, ' ');
    auto response = send_api_request(socket_path, {"PUT", "/boot-source", body});
    ASSERT_TRUE(response) << response.error().message();
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(fault(*response),
              "Request payload with size 51201 is larger than the limit of "
              "51200 allowed by server.");
    // The declared length alone is enough.
    std::string answer =
        raw_exchange("PUT /boot-source HTTP/1.1\r\nContent-Length: 50000000\r\n\r\n{}");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
    EXPECT_TRUE(vm.calls.empty());
}

TEST_F(ApiServerTest, MalformedRequestGets400AndClose) {
    std::string answer = raw_exchange("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
    EXPECT_NE(answer.find("Malformed HTTP request"), std::string::npos) << answer;
    answer = raw_exchange("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
    answer = raw_exchange("GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
    EXPECT_EQ(send("GET", "/").status, 200);
}

TEST_F(ApiServerTest, ClientLeavingMidBodyHarmsNothing) {
    {
        UniqueFd fd = raw_connect();
        std::string partial = "PUT /boot-source HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"kern";
        ASSERT_GT(::send(fd.get(), partial.data(), partial.size(), MSG_NOSIGNAL), 0);
    }
    // A stalled client holds its connection, not the server.
    UniqueFd stalled = raw_connect();
    std::string partial = "PUT /boot-source HTTP/1.1\r\nContent-Length: 100\r\n\r\n{";
    ASSERT_GT(::send(stalled.get(), partial.data(), partial.size(), MSG_NOSIGNAL), 0);
    EXPECT_EQ(send("GET", "/").status, 200);
    EXPECT_EQ(send("PUT", "/actions", R"({"action_type": "FlushMetrics"})").status, 204);
    EXPECT_EQ(vm.calls, std::vector<std::string>{"flush_metrics"});
}

TEST_F(ApiServerTest, KeepAliveServesSeveralRequests) {
    std::string answer = raw_exchange(
        "GET /version HTTP/1.1\r\nHost: x\r\n\r\n"
        "PATCH /vm HTTP/1.1\r\nContent-Length: 18\r\nConnection: "
        "close\r\n\r\n{\"state\":\"Paused\"}");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
    EXPECT_NE(answer.find("HTTP/1.1 204"), std::string::npos) << answer;
    EXPECT_EQ(vm.calls, std::vector<std::string>{"pause"});
}

// The VMM thread has stopped serving its loop (the guest is gone); the loop itself lives on
// until the server is destroyed, as in main.cpp.
TEST_F(ApiServerTest, StoppedVmmDoesNotHangTheApi) {
    loop->stop();
    loop_thread.join();
    std::thread stopper([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        server.reset();
    });
    auto response = send_api_request(socket_path, {"GET", "/", ""}, std::chrono::seconds(5));
    stopper.join();
    // The server either answered 503 before going away or closed the connection.
    if (response) {
        EXPECT_EQ(response->status, 503);
    }
}

TEST_F(ApiServerTest, CtlClient) {
    auto run = [&](const char* command) {
        const char* argv[] = {"ctl", socket_path.c_str(), command};
        return run_ctl(3, argv);
    };
    EXPECT_EQ(run("start"), 0);
    EXPECT_EQ(run("pause"), 0);
    EXPECT_EQ(run("resume"), 0);
    EXPECT_EQ(run("stop"), 0);
    EXPECT_EQ(run("info"), 0);
    EXPECT_EQ(run("metrics"), 0);
    EXPECT_EQ(vm.calls,
              (std::vector<std::string>{"start_instance", "pause", "resume", "send_ctrl_alt_del"}));
    vm.fail_with = "The microVM is not running.";
    EXPECT_EQ(run("pause"), 1);
    EXPECT_EQ(run("explode"), 2);
    const char* missing[] = {"ctl", "/tmp/zapotec-no-such.sock", "info"};
    EXPECT_EQ(run_ctl(3, missing), 1);
}

TEST(ApiServerSocket, ReplacesStaleSocketRefusesOtherFiles) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop);
    FakeVmControl vm;
    std::string path = fmt::format("/tmp/zapotec-api-stale-{}.sock", ::getpid());
    {
        // A socket file whose listener is gone.
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, path.data(), path.size());
        ::unlink(path.c_str());
        ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    }
    auto server = ApiServer::start(path, **loop, vm);
    ASSERT_TRUE(server) << server.error().message();
    // A live socket is not taken over.
    auto second = ApiServer::start(path, **loop, vm);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message().find("another process"), std::string::npos);
    server->reset();
    std::ofstream(path) << "precious";
    auto refused = ApiServer::start(path, **loop, vm);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message().find("not a socket"), std::string::npos);
    ::unlink(path.c_str());
}

}  // namespace
}  // namespace zapotec::api::testing
