// The plain request and response the API handlers work on, so that only the HTTP server
// itself needs Boost.Beast: a handler sees a method, a path and a body, and answers with a
// status and a body.
#pragma once

#include <string>

namespace zapotec::api {

struct ApiRequest {
    std::string method;  // "GET", "PUT", "PATCH", ... as sent.
    std::string path;    // "/drives/rootfs": the origin-form target.
    std::string body;
};

struct ApiResponse {
    int status = 204;
    std::string body;  // Empty for 204.
    std::string content_type = "application/json";

    static ApiResponse no_content() { return {}; }
    static ApiResponse json(std::string body) { return {200, std::move(body)}; }
    static ApiResponse text(std::string body) {
        return {200, std::move(body), "text/plain; version=0.0.4"};
    }
    // Firecracker's error shape: {"fault_message": "..."}.
    static ApiResponse fault(int status, const std::string& message);
};

// Firecracker's limit on a request body (HTTP_MAX_PAYLOAD_SIZE).
inline constexpr size_t kMaxRequestBodySize = 51200;

}  // namespace zapotec::api
