// The table of every endpoint: each resource file adds its own routes.
#include "api/handler_util.hpp"

namespace zapotec::api {

Result<> check_same_id(const std::string& path_id, const std::string& body_id,
                       bool firecracker_drive_message) {
    if (path_id == body_id)
        return {};
    if (firecracker_drive_message)
        return make_error("The id from the path does not match the id from the body!");
    return make_error("The id from the path [{}] does not match the id from the body [{}]!",
                      path_id, config::printable(body_id));
}

Router make_api_router() {
    Router router;
    add_instance_info_routes(router);
    add_actions_routes(router);
    add_boot_source_routes(router);
    add_drives_routes(router);
    add_machine_config_routes(router);
    add_network_interfaces_routes(router);
    add_vm_routes(router);
    add_logger_routes(router);
    add_metrics_routes(router);
    add_version_routes(router);
    add_entropy_routes(router);
    add_serial_routes(router);
    return router;
}

}  // namespace zapotec::api
