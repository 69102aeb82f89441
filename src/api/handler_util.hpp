// Helpers the endpoint files share: parsing a request body with a config-section parser and
// wrapping a VmControl call into a VmmCall.
#pragma once

#include <string>
#include <utility>

#include "api/router.hpp"
#include "config/json_document.hpp"
#include "config/json_fields.hpp"

namespace zapotec::api {

// Firecracker's prefix for a body that does not deserialize.
inline constexpr const char* kBodyErrorPrefix =
    "An error occurred when deserializing the json body of a request";

// Parses `body` as JSON and hands the document to `parse(value, path)` with the empty path,
// so that messages name fields as they appear in the body ("drive_id: missing required
// field").
template <class Parse>
auto parse_body(const std::string& body, Parse parse)
    -> std::invoke_result_t<Parse, const config::Json&, const std::string&> {
    auto document = config::parse_json_document(body);
    if (!document)
        return std::unexpected(document.error().context(kBodyErrorPrefix));
    auto value = parse(*document, std::string());
    if (!value)
        return std::unexpected(value.error().context(kBodyErrorPrefix));
    return value;
}

// A VmmCall that runs `call(control)` (a Result<>) and answers 204.
template <class Call>
VmmCall no_content(Call call) {
    return [call = std::move(call)](VmControl& control) -> Result<ApiResponse> {
        TRY(call(control));
        return ApiResponse::no_content();
    };
}

// Firecracker's check that PUT/PATCH /drives/{id} and /network-interfaces/{id} name the same
// resource in the path and the body.
Result<> check_same_id(const std::string& path_id, const std::string& body_id,
                       bool firecracker_drive_message);

// The endpoint files: each registers its routes.
void add_instance_info_routes(Router& router);
void add_actions_routes(Router& router);
void add_boot_source_routes(Router& router);
void add_drives_routes(Router& router);
void add_machine_config_routes(Router& router);
void add_network_interfaces_routes(Router& router);
void add_vm_routes(Router& router);
void add_logger_routes(Router& router);
void add_metrics_routes(Router& router);
void add_version_routes(Router& router);
void add_entropy_routes(Router& router);
void add_serial_routes(Router& router);

}  // namespace zapotec::api
