// The `zapotec ctl` client: maps each command to one API request.
#include "cli/ctl.hpp"

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>

#include "api/api_client.hpp"

namespace zapotec {

namespace {

struct Command {
    std::string_view name;
    api::ApiRequest request;
};

const std::array<Command, 6>& commands() {
    static const std::array<Command, 6> kCommands{{
        {"start", {"PUT", "/actions", R"({"action_type": "InstanceStart"})"}},
        {"pause", {"PATCH", "/vm", R"({"state": "Paused"})"}},
        {"resume", {"PATCH", "/vm", R"({"state": "Resumed"})"}},
        {"stop", {"PUT", "/actions", R"({"action_type": "SendCtrlAltDel"})"}},
        {"info", {"GET", "/", ""}},
        {"metrics", {"GET", "/metrics", ""}},
    }};
    return kCommands;
}

// The fault_message of an error body, or the body itself when it is not Firecracker's shape.
std::string fault_text(const std::string& body) {
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object() && json.contains("fault_message") && json["fault_message"].is_string())
        return json["fault_message"].get<std::string>();
    return body;
}

int usage() {
    std::fputs("usage: zapotec ctl <api-socket> start|pause|resume|stop|info|metrics\n", stderr);
    return 2;
}

}  // namespace

int run_ctl(int argc, const char* const* argv) {
    if (argc != 3)
        return usage();
    std::string socket_path = argv[1];
    std::string_view name = argv[2];
    const Command* command = nullptr;
    for (const Command& candidate : commands()) {
        if (candidate.name == name)
            command = &candidate;
    }
    if (command == nullptr)
        return usage();
    auto response = api::send_api_request(socket_path, command->request);
    if (!response) {
        std::fprintf(stderr, "zapotec ctl: %s\n", response.error().message().c_str());
        return 1;
    }
    if (response->status < 200 || response->status >= 300) {
        std::fprintf(stderr, "zapotec ctl: %.*s failed (HTTP %d): %s\n",
                     static_cast<int>(name.size()), name.data(), response->status,
                     fault_text(response->body).c_str());
        return 1;
    }
    if (!response->body.empty()) {
        std::fputs(response->body.c_str(), stdout);
        if (response->body.back() != '\n')
            std::fputc('\n', stdout);
    }
    return 0;
}

}  // namespace zapotec
