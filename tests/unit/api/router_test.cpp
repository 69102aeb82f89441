// The router: path matching, path parameters and ids, odd characters, body presence, and
// the counting and error mapping of execute().
#include <gtest/gtest.h>

#include "api_test_util.hpp"

namespace zapotec::api::testing {
namespace {

TEST(ApiRouter, MatchesLiteralAndParameterSegments) {
    Router router;
    std::vector<std::string> seen;
    router.add("PUT", "/drives/{drive_id}", [&](const PathParams& params, const std::string&) {
        seen = params;
        return Result<VmmCall>(
            VmmCall([](VmControl&) -> Result<ApiResponse> { return ApiResponse::no_content(); }));
    });
    FakeVmControl vm;
    EXPECT_EQ(handle_request(router, {"PUT", "/drives/root_1", "{}"}, vm).status, 204);
    EXPECT_EQ(seen, std::vector<std::string>{"root_1"});
    // A trailing slash is ignored and absolute-form targets are accepted.
    EXPECT_EQ(handle_request(router, {"PUT", "http://localhost/drives/x/", "{}"}, vm).status, 204);
    EXPECT_EQ(seen, std::vector<std::string>{"x"});
    EXPECT_EQ(vm.counted, (std::vector<std::string>{"PUT /drives ok", "PUT /drives ok"}));
    auto routes = router.routes();
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_EQ(routes[0].pattern, "/drives/{drive_id}");
}

TEST(ApiRouter, UnknownPathOrMethodIsFirecrackersError) {
    FakeVmControl vm;
    auto response = call(vm, "GET", "/nothing");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(fault(response), "Invalid request method and/or path: GET /nothing.");
    response = call(vm, "DELETE", "/drives/a");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(fault(response), "Invalid request method and/or path: DELETE /drives/a.");
    EXPECT_EQ(call(vm, "POST", "/actions", "{}").status, 400);
    EXPECT_EQ(call(vm, "GET", "/vm/config/extra").status, 400);
    EXPECT_EQ(call(vm, "GET", "/drives/a/b").status, 400);
    EXPECT_EQ(vm.counted.back(), "invalid failed");
    EXPECT_TRUE(vm.calls.empty());
}

TEST(ApiRouter, RefusesOddCharactersInThePath) {
    FakeVmControl vm;
    for (const char* path : {"/drives/a%20b", "/drives/a b", "/version?x=1", "/vm\x01", "relative",
                             "", "/drives/\xff"}) {
        auto response = call(vm, "GET", path);
        EXPECT_EQ(response.status, 400) << path;
        EXPECT_NE(fault(response).find("Invalid request"), std::string::npos) << path;
    }
    EXPECT_EQ(call(vm, "GET", "/" + std::string(2000, 'a')).status, 400);
}

TEST(ApiRouter, ChecksIdsWithFirecrackersRule) {
    FakeVmControl vm;
    std::string body = R"({"drive_id": "a-b", "path_on_host": "x", "is_root_device": false})";
    auto response = call(vm, "PUT", "/drives/a-b", body);
    EXPECT_EQ(fault(response),
              "API Resource IDs can only contain alphanumeric characters and underscores.");
    response = call(vm, "PUT", "/drives", body);
    EXPECT_EQ(fault(response), "The ID cannot be empty.");
    response = call(vm, "PATCH", "/network-interfaces/", R"({"iface_id": ""})");
    EXPECT_EQ(fault(response), "The ID cannot be empty.");
    response = call(vm, "PUT", "/drives/" + std::string(65, 'a'), body);
    EXPECT_EQ(fault(response), "API Resource IDs can be at most 64 characters long.");
    EXPECT_TRUE(vm.calls.empty());
}

TEST(ApiRouter, ChecksBodyPresence) {
    FakeVmControl vm;
    EXPECT_EQ(fault(call(vm, "GET", "/", "{}")), "GET request cannot have a body.");
    EXPECT_EQ(fault(call(vm, "PUT", "/actions")), "Empty PUT request.");
    EXPECT_EQ(fault(call(vm, "PATCH", "/vm")), "Empty PATCH request.");
    EXPECT_EQ(vm.counted, (std::vector<std::string>{"GET / failed", "PUT /actions failed",
                                                    "PATCH /vm failed"}));
}

TEST(ApiRouter, VmmErrorsBecome400WithTheMessage) {
    FakeVmControl vm;
    vm.fail_with = "The requested operation is not supported after starting the microVM.";
    auto response = call(vm, "PUT", "/actions", R"({"action_type": "InstanceStart"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(fault(response), vm.fail_with);
    EXPECT_EQ(vm.counted, std::vector<std::string>{"PUT /actions failed"});
}

TEST(ApiRouter, FaultEscapesInvalidUtf8) {
    auto response = ApiResponse::fault(400, "bad \xff byte \"quoted\"");
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    ASSERT_TRUE(json.is_object());
    EXPECT_NE(json["fault_message"].get<std::string>().find("quoted"), std::string::npos);
}

}  // namespace
}  // namespace zapotec::api::testing
