// Parses the `boot-source` section of a Firecracker config file.
#include <array>

#include "config/section_parsers.hpp"

namespace zapotec::config {

Result<BootSourceConfig> parse_boot_source(const Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 3> kFields{"kernel_image_path", "initrd_path",
                                                             "boot_args"};
    JsonObject object = TRY(JsonObject::open(value, path, kFields));
    BootSourceConfig boot;
    boot.kernel_image_path = TRY(object.required("kernel_image_path", as_string));
    boot.initrd_path = TRY(object.optional("initrd_path", as_string));
    // Without boot_args Zapotec keeps its own default (a serial console), not Firecracker's,
    // which turns the serial port off.
    if (auto boot_args = TRY(object.optional("boot_args", as_string)))
        boot.boot_args = std::move(*boot_args);
    return boot;
}

}  // namespace zapotec::config
