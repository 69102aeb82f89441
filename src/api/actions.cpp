// PUT /actions: {"action_type": "InstanceStart" | "SendCtrlAltDel" | "FlushMetrics"}.
#include <array>

#include "api/handler_util.hpp"

namespace zapotec::api {

namespace {

enum class Action { kInstanceStart, kSendCtrlAltDel, kFlushMetrics };

constexpr std::array<config::EnumName<Action>, 3> kActions{{
    {"InstanceStart", Action::kInstanceStart},
    {"SendCtrlAltDel", Action::kSendCtrlAltDel},
    {"FlushMetrics", Action::kFlushMetrics},
}};

Result<Action> parse_action(const config::Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 1> kFields{"action_type"};
    auto object = TRY(config::JsonObject::open(value, path, kFields));
    return object.required("action_type", [](const config::Json& field, const std::string& at) {
        return config::as_enum(field, at, kActions);
    });
}

}  // namespace

void add_actions_routes(Router& router) {
    router.add(
        "PUT", "/actions", [](const PathParams&, const std::string& body) -> Result<VmmCall> {
            Action action = TRY(parse_body(body, parse_action));
            switch (action) {
                case Action::kInstanceStart:
                    return no_content([](VmControl& control) { return control.start_instance(); });
                case Action::kSendCtrlAltDel:
                    return no_content(
                        [](VmControl& control) { return control.send_ctrl_alt_del(); });
                case Action::kFlushMetrics:
                    break;
            }
            return no_content([](VmControl& control) { return control.flush_metrics(); });
        });
}

}  // namespace zapotec::api
