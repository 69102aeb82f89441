// Maps a request's method and path to the handler of one endpoint. The router checks the
// path (printable characters only, Firecracker's id rule for path parameters) and whether a
// body is present; the handler parses and validates the body and returns the one VmControl
// call the request stands for, which then runs on the VMM thread (see execute()).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_types.hpp"
#include "base/error.hpp"
#include "vmm/vm_control.hpp"

namespace zapotec::api {

// What a request asks of the VMM: one VmControl call, run on the VMM thread. Its value is the
// success response (204, or 200 with a body); its error becomes 400 with the message.
using VmmCall = std::function<Result<ApiResponse>(VmControl&)>;

// The path parameters of the matched route in order: /drives/{drive_id} -> {"rootfs"}.
using PathParams = std::vector<std::string>;

// A request after routing and parsing, ready to run on the VMM thread.
struct PreparedRequest {
    // The name the request is counted under: "PUT /drives", "GET /", or "invalid".
    std::string route;
    // The call, or why the request was refused before reaching the VMM (a 400).
    Result<VmmCall> call;
};

// Firecracker's resource ids: letters, digits and '_'; Zapotec also caps the length.
inline constexpr size_t kMaxIdLength = 64;
inline constexpr size_t kMaxPathLength = 1024;

class Router {
  public:
    using Handler =
        std::function<Result<VmmCall>(const PathParams& params, const std::string& body)>;

    struct Route {
        std::string method;
        std::string pattern;  // "/drives/{drive_id}"
    };

    // Registers `pattern` for `method`. "{name}" segments are path parameters.
    void add(std::string method, std::string pattern, Handler handler);

    // Finds the route and runs its handler (parsing and validation, no VM state touched).
    [[nodiscard]] PreparedRequest prepare(const ApiRequest& request) const;

    [[nodiscard]] std::vector<Route> routes() const;

  private:
    struct Entry {
        Route route;
        std::vector<std::string> segments;
        std::string metrics_name;
        Handler handler;
    };

    const Entry* find(std::string_view method, const std::vector<std::string>& segments,
                      PathParams& params) const;

    std::vector<Entry> entries_;
};

// The router with every endpoint Zapotec serves (api_routes.cpp).
[[nodiscard]] Router make_api_router();

// Runs a prepared request on the calling thread, which must be the VMM thread: counts it with
// VmControl::count_api_request, runs the call and maps an error to 400 {"fault_message"}.
[[nodiscard]] ApiResponse execute(const PreparedRequest& prepared, VmControl& control);

// prepare() then execute() on one thread: for tests and fuzzing.
[[nodiscard]] ApiResponse handle_request(const Router& router, const ApiRequest& request,
                                         VmControl& control);

}  // namespace zapotec::api
