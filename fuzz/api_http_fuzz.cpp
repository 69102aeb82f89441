// libFuzzer target for the API's request path: bytes -> Beast's HTTP parser (with the
// server's limits) -> router and handlers with a fake VMM. Any input must give a response
// with a known status and, for errors, Firecracker's JSON error shape: never a crash, an
// exception or a call that reaches the VMM with an invalid id.
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "../tests/unit/api/fake_vm_control.hpp"
#include "api/router.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const zapotec::api::Router router = zapotec::api::make_api_router();
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(zapotec::api::kMaxRequestBodySize);
    parser.header_limit(8 * 1024);
    boost::beast::error_code error;
    size_t used = parser.put(boost::asio::buffer(data, size), error);
    if (!error && used < size && !parser.is_done())
        parser.put(boost::asio::buffer(data + used, size - used), error);
    // The server answers a parse error with 400 and never routes; put_eof() needs some input.
    if (error && error != http::error::need_more)
        return 0;
    if (!parser.is_done()) {
        if (!parser.got_some())
            return 0;
        error = {};
        parser.put_eof(error);
        if (error || !parser.is_done())
            return 0;
    }
    auto& message = parser.get();
    zapotec::api::testing::FakeVmControl vm;
    auto response = zapotec::api::handle_request(
        router,
        {std::string(message.method_string()), std::string(message.target()), message.body()}, vm);
    if (response.status != 200 && response.status != 204 && response.status != 400)
        __builtin_trap();
    if (response.status == 400) {
        auto json = nlohmann::json::parse(response.body, nullptr, false);
        if (!json.is_object() || !json.contains("fault_message") || !vm.calls.empty())
            __builtin_trap();
    }
    if (vm.counted.size() != 1)
        __builtin_trap();
    return 0;
}
