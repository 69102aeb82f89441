// Parses the `machine-config` section of a Firecracker config file.
#include <array>

#include "config/section_parsers.hpp"

namespace zapotec::config {

namespace {

// V1N1 is an aarch64 template and is not accepted on x86_64, as in Firecracker.
constexpr std::array<EnumName<CpuTemplate>, 6> kCpuTemplates{{
    {"None", CpuTemplate::kNone},
    {"C3", CpuTemplate::kC3},
    {"T2", CpuTemplate::kT2},
    {"T2S", CpuTemplate::kT2S},
    {"T2CL", CpuTemplate::kT2CL},
    {"T2A", CpuTemplate::kT2A},
}};

constexpr std::array<EnumName<HugePages>, 3> kHugePages{{
    {"None", HugePages::kNone},
    {"Transparent", HugePages::kTransparent},
    {"2M", HugePages::kHugetlbfs2M},
}};

Result<CpuTemplate> as_cpu_template(const Json& value, const std::string& path) {
    return as_enum(value, path, kCpuTemplates);
}

Result<HugePages> as_huge_pages(const Json& value, const std::string& path) {
    return as_enum(value, path, kHugePages);
}

}  // namespace

Result<MachineConfig> parse_machine_config(const Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 6> kFields{
        "vcpu_count", "mem_size_mib", "smt", "track_dirty_pages", "cpu_template", "huge_pages"};
    JsonObject object = TRY(JsonObject::open(value, path, kFields));
    MachineConfig machine;
    machine.vcpu_count = TRY(object.required("vcpu_count", as_unsigned<uint32_t>));
    machine.mem_size_mib = TRY(object.required("mem_size_mib", as_u64));
    machine.smt = TRY(object.optional("smt", as_bool)).value_or(false);
    machine.track_dirty_pages = TRY(object.optional("track_dirty_pages", as_bool)).value_or(false);
    machine.cpu_template =
        TRY(object.optional("cpu_template", as_cpu_template)).value_or(CpuTemplate::kNone);
    machine.huge_pages =
        TRY(object.optional("huge_pages", as_huge_pages)).value_or(HugePages::kNone);
    return machine;
}

}  // namespace zapotec::config
