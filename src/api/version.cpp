// GET /version: Firecracker's {"firecracker_version"} carries Zapotec's version so that
// existing clients keep working; "zapotec_version" says the same for clients that know.
#include "api/handler_util.hpp"
#include "api/vm_config_json.hpp"

namespace zapotec::api {

void add_version_routes(Router& router) {
    router.add("GET", "/version", [](const PathParams&, const std::string&) -> Result<VmmCall> {
        return [](VmControl& control) -> Result<ApiResponse> {
            std::string version = control.instance_info().vmm_version;
            nlohmann::json body = {{"firecracker_version", version}, {"zapotec_version", version}};
            return ApiResponse::json(dump_json(body));
        };
    });
}

}  // namespace zapotec::api
