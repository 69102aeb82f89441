// PUT /network-interfaces/{iface_id} (pre-boot) and PATCH (new rate limiters for a running
// VM).
#include <array>

#include "api/handler_util.hpp"
#include "config/section_parsers.hpp"

namespace zapotec::api {

namespace {

Result<NetworkInterfacePatch> parse_interface_patch(const config::Json& value,
                                                    const std::string& path) {
    static constexpr std::array<std::string_view, 3> kFields{"iface_id", "rx_rate_limiter",
                                                             "tx_rate_limiter"};
    auto object = TRY(config::JsonObject::open(value, path, kFields));
    NetworkInterfacePatch patch;
    patch.iface_id = TRY(object.required("iface_id", config::as_string));
    patch.rx_rate_limiter = TRY(object.optional("rx_rate_limiter", config::parse_rate_limiter));
    patch.tx_rate_limiter = TRY(object.optional("tx_rate_limiter", config::parse_rate_limiter));
    return patch;
}

}  // namespace

void add_network_interfaces_routes(Router& router) {
    router.add("PUT", "/network-interfaces/{iface_id}",
               [](const PathParams& params, const std::string& body) -> Result<VmmCall> {
                   NetworkInterfaceConfig iface =
                       TRY(parse_body(body, config::parse_network_interface));
                   TRY(check_same_id(params[0], iface.iface_id, false));
                   return no_content([iface = std::move(iface)](VmControl& control) {
                       return control.put_network_interface(iface);
                   });
               });
    router.add("PATCH", "/network-interfaces/{iface_id}",
               [](const PathParams& params, const std::string& body) -> Result<VmmCall> {
                   NetworkInterfacePatch patch = TRY(parse_body(body, parse_interface_patch));
                   TRY(check_same_id(params[0], patch.iface_id, false));
                   return no_content([patch = std::move(patch)](VmControl& control) {
                       return control.patch_network_interface(patch);
                   });
               });
}

}  // namespace zapotec::api
