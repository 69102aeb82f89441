// Builds Firecracker's error response.
#include "api/api_types.hpp"

#include <nlohmann/json.hpp>

namespace zapotec::api {

ApiResponse ApiResponse::fault(int status, const std::string& message) {
    // Replace invalid UTF-8 (a path or field name echoed back) instead of throwing.
    nlohmann::json body = {{"fault_message", message}};
    return {status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace zapotec::api
