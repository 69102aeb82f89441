// PATCH /vm {"state": "Paused" | "Resumed"} and GET /vm/config (FullVmConfiguration).
#include <array>

#include "api/handler_util.hpp"
#include "api/vm_config_json.hpp"

namespace zapotec::api {

namespace {

enum class TargetState { kPaused, kResumed };

constexpr std::array<config::EnumName<TargetState>, 2> kStates{{
    {"Paused", TargetState::kPaused},
    {"Resumed", TargetState::kResumed},
}};

Result<TargetState> parse_vm_state(const config::Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 1> kFields{"state"};
    auto object = TRY(config::JsonObject::open(value, path, kFields));
    return object.required("state", [](const config::Json& field, const std::string& at) {
        return config::as_enum(field, at, kStates);
    });
}

}  // namespace

void add_vm_routes(Router& router) {
    router.add("PATCH", "/vm", [](const PathParams&, const std::string& body) -> Result<VmmCall> {
        TargetState state = TRY(parse_body(body, parse_vm_state));
        if (state == TargetState::kPaused)
            return no_content([](VmControl& control) { return control.pause(); });
        return no_content([](VmControl& control) { return control.resume(); });
    });
    router.add("GET", "/vm/config", [](const PathParams&, const std::string&) -> Result<VmmCall> {
        return [](VmControl& control) -> Result<ApiResponse> {
            return ApiResponse::json(dump_json(vm_config_json(control.vm_config())));
        };
    });
}

}  // namespace zapotec::api
