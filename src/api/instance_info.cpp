// GET /: the instance's id, state and version (Firecracker's InstanceInfo).
#include "api/handler_util.hpp"
#include "api/vm_config_json.hpp"

namespace zapotec::api {

void add_instance_info_routes(Router& router) {
    router.add("GET", "/", [](const PathParams&, const std::string&) -> Result<VmmCall> {
        return [](VmControl& control) -> Result<ApiResponse> {
            return ApiResponse::json(dump_json(instance_info_json(control.instance_info())));
        };
    });
}

}  // namespace zapotec::api
