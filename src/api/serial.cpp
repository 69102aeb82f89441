// PUT /serial {serial_out_path}: where the guest's serial output goes, pre-boot only.
// Firecracker's optional serial rate_limiter is not implemented and is refused.
#include <array>

#include "api/handler_util.hpp"

namespace zapotec::api {

namespace {

Result<SerialConfig> parse_serial(const config::Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 1> kFields{"serial_out_path"};
    auto object = TRY(config::JsonObject::open(value, path, kFields));
    return SerialConfig{TRY(object.optional("serial_out_path", config::as_string))};
}

}  // namespace

void add_serial_routes(Router& router) {
    router.add("PUT", "/serial", [](const PathParams&, const std::string& body) -> Result<VmmCall> {
        SerialConfig serial = TRY(parse_body(body, parse_serial));
        return no_content([serial = std::move(serial)](VmControl& control) {
            return control.put_serial(serial);
        });
    });
}

}  // namespace zapotec::api
