// A small HTTP/1.1 client for the API socket (Boost.Beast's serializer and parser over a
// plain Unix socket), used by `zapotec ctl` and the tests.
#pragma once

#include <chrono>
#include <string>

#include "api/api_types.hpp"
#include "base/error.hpp"

namespace zapotec::api {

// Sends one request (Connection: close) and returns the response's status, body and
// content type. Fails when the socket cannot be reached or nothing valid comes back within
// `timeout`.
[[nodiscard]] Result<ApiResponse> send_api_request(
    const std::string& socket_path, const ApiRequest& request,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace zapotec::api
