// PUT /boot-source: {kernel_image_path, initrd_path, boot_args}, pre-boot only.
#include "api/handler_util.hpp"
#include "config/section_parsers.hpp"

namespace zapotec::api {

void add_boot_source_routes(Router& router) {
    router.add("PUT", "/boot-source",
               [](const PathParams&, const std::string& body) -> Result<VmmCall> {
                   BootSourceConfig boot = TRY(parse_body(body, config::parse_boot_source));
                   return no_content([boot = std::move(boot)](VmControl& control) {
                       return control.put_boot_source(boot);
                   });
               });
}

}  // namespace zapotec::api
