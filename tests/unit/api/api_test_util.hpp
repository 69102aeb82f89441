// Shared helpers of the API unit tests: one request through the router with a fake VMM.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/router.hpp"
#include "fake_vm_control.hpp"

namespace zapotec::api::testing {

inline ApiResponse call(FakeVmControl& vm, const std::string& method, const std::string& path,
                        const std::string& body = "") {
    static const Router router = make_api_router();
    return handle_request(router, {method, path, body}, vm);
}

// The fault_message of an error response ("" when there is none).
inline std::string fault(const ApiResponse& response) {
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (!json.is_object() || !json.contains("fault_message"))
        return "";
    return json["fault_message"].get<std::string>();
}

}  // namespace zapotec::api::testing
