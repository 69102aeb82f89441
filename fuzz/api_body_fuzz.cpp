// libFuzzer target for every API body parser: the first byte picks an endpoint that takes a
// body, the rest is the body. The answer must be 204 with exactly one VMM call, or 400 with a
// one-line fault_message and no call.
#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "../tests/unit/api/fake_vm_control.hpp"
#include "api/router.hpp"

namespace {

struct Endpoint {
    const char* method;
    const char* path;
};

constexpr std::array<Endpoint, 13> kEndpoints{{
    {"PUT", "/actions"},
    {"PUT", "/boot-source"},
    {"PUT", "/drives/a"},
    {"PATCH", "/drives/a"},
    {"PUT", "/machine-config"},
    {"PATCH", "/machine-config"},
    {"PUT", "/network-interfaces/a"},
    {"PATCH", "/network-interfaces/a"},
    {"PATCH", "/vm"},
    {"PUT", "/logger"},
    {"PUT", "/metrics"},
    {"PUT", "/entropy"},
    {"PUT", "/serial"},
}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const zapotec::api::Router router = zapotec::api::make_api_router();
    if (size == 0)
        return 0;
    const Endpoint& endpoint = kEndpoints[data[0] % kEndpoints.size()];
    std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
    zapotec::api::testing::FakeVmControl vm;
    auto response =
        zapotec::api::handle_request(router, {endpoint.method, endpoint.path, body}, vm);
    if (response.status == 204) {
        if (vm.calls.size() != 1)
            __builtin_trap();
        return 0;
    }
    if (response.status != 400 || !vm.calls.empty())
        __builtin_trap();
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (!json.is_object() || !json["fault_message"].is_string())
        __builtin_trap();
    if (json["fault_message"].get<std::string>().find('\n') != std::string::npos)
        __builtin_trap();
    return 0;
}
