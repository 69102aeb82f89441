// GET, PUT and PATCH /machine-config. PATCH takes any subset of the fields.
#include "api/handler_util.hpp"
#include "api/vm_config_json.hpp"
#include "config/section_parsers.hpp"

namespace zapotec::api {

namespace {

// Parses a PATCH body with the PUT parser, so that both accept the same field values: the
// required fields the body leaves out (or sets to null) get placeholders, and only the
// fields the body gave end up in the patch.
Result<MachineConfigPatch> parse_machine_config_patch(const config::Json& value,
                                                      const std::string& path) {
    config::Json complete = value;
    if (value.is_object()) {
        for (const char* required : {"vcpu_count", "mem_size_mib"}) {
            if (!value.contains(required) || value[required].is_null())
                complete[required] = uint64_t{1};  // Unsigned, as the parser wants.
        }
    }
    MachineConfig parsed = TRY(config::parse_machine_config(complete, path));
    auto given = [&](const char* key) { return value.contains(key) && !value[key].is_null(); };
    MachineConfigPatch patch;
    if (given("vcpu_count"))
        patch.vcpu_count = parsed.vcpu_count;
    if (given("mem_size_mib"))
        patch.mem_size_mib = parsed.mem_size_mib;
    if (given("smt"))
        patch.smt = parsed.smt;
    if (given("track_dirty_pages"))
        patch.track_dirty_pages = parsed.track_dirty_pages;
    if (given("cpu_template"))
        patch.cpu_template = parsed.cpu_template;
    if (given("huge_pages"))
        patch.huge_pages = parsed.huge_pages;
    return patch;
}

}  // namespace

void add_machine_config_routes(Router& router) {
    router.add(
        "GET", "/machine-config", [](const PathParams&, const std::string&) -> Result<VmmCall> {
            return [](VmControl& control) -> Result<ApiResponse> {
                return ApiResponse::json(dump_json(machine_config_json(control.machine_config())));
            };
        });
    router.add("PUT", "/machine-config",
               [](const PathParams&, const std::string& body) -> Result<VmmCall> {
                   MachineConfig machine = TRY(parse_body(body, config::parse_machine_config));
                   return no_content([machine](VmControl& control) {
                       return control.put_machine_config(machine);
                   });
               });
    router.add("PATCH", "/machine-config",
               [](const PathParams&, const std::string& body) -> Result<VmmCall> {
                   MachineConfigPatch patch = TRY(parse_body(body, parse_machine_config_patch));
                   return no_content(
                       [patch](VmControl& control) { return control.patch_machine_config(patch); });
               });
}

}  // namespace zapotec::api
