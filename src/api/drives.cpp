// PUT /drives/{drive_id} (a whole Drive, pre-boot) and PATCH /drives/{drive_id} (a
// PartialDrive: a new backing file or rate limiter, mostly for a running VM).
#include <array>

#include "api/handler_util.hpp"
#include "config/section_parsers.hpp"

namespace zapotec::api {

namespace {

Result<DrivePatch> parse_drive_patch(const config::Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 3> kFields{"drive_id", "path_on_host",
                                                             "rate_limiter"};
    auto object = TRY(config::JsonObject::open(value, path, kFields));
    DrivePatch patch;
    patch.drive_id = TRY(object.required("drive_id", config::as_string));
    patch.path_on_host = TRY(object.optional("path_on_host", config::as_string));
    patch.rate_limiter = TRY(object.optional("rate_limiter", config::parse_rate_limiter));
    return patch;
}

}  // namespace

void add_drives_routes(Router& router) {
    router.add("PUT", "/drives/{drive_id}",
               [](const PathParams& params, const std::string& body) -> Result<VmmCall> {
                   DriveConfig drive = TRY(parse_body(body, config::parse_drive));
                   TRY(check_same_id(params[0], drive.drive_id, true));
                   return no_content([drive = std::move(drive)](VmControl& control) {
                       return control.put_drive(drive);
                   });
               });
    router.add("PATCH", "/drives/{drive_id}",
               [](const PathParams& params, const std::string& body) -> Result<VmmCall> {
                   DrivePatch patch = TRY(parse_body(body, parse_drive_patch));
                   TRY(check_same_id(params[0], patch.drive_id, true));
                   return no_content([patch = std::move(patch)](VmControl& control) {
                       return control.patch_drive(patch);
                   });
               });
}

}  // namespace zapotec::api
