// Reads a Firecracker-style VM config file into a VmConfig: the top-level sections, and the
// file itself.
#include "config/config_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>

#include "base/unique_fd.hpp"
#include "config/json_document.hpp"
#include "config/section_parsers.hpp"
#include "config/validate.hpp"

namespace zapotec {

namespace {

using config::Json;
using config::JsonObject;

constexpr std::array<std::string_view, 8> kUnsupportedSections{
    "balloon", "vsock", "logger", "metrics", "mmds-config", "cpu-config", "memory-hotplug", "pmem"};

constexpr std::array<std::string_view, 13> kTopLevelFields{
    "boot-source", "drives", "machine-config", "network-interfaces", "entropy",    "balloon",
    "vsock",       "logger", "metrics",        "mmds-config",        "cpu-config", "memory-hotplug",
    "pmem"};

// Parses an array whose elements `parse_element` turns into T.
template <class T>
Result<std::vector<T>> parse_array(const Json& value, const std::string& path,
                                   Result<T> (*parse_element)(const Json&, const std::string&)) {
    TRY(config::check_array(value, path));
    std::vector<T> elements;
    for (size_t i = 0; i < value.size(); ++i)
        elements.push_back(TRY(parse_element(value[i], config::element_path(path, i))));
    return elements;
}

Result<EntropyConfig> parse_entropy(const Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 1> kFields{"rate_limiter"};
    JsonObject object = TRY(JsonObject::open(value, path, kFields));
    EntropyConfig entropy;
    entropy.enabled = true;
    entropy.rate_limiter = TRY(object.optional("rate_limiter", config::parse_rate_limiter));
    return entropy;
}

Result<> refuse_unsupported_sections(const JsonObject& root) {
    for (std::string_view section : kUnsupportedSections) {
        const Json* value = root.find(section);
        bool empty_array = value != nullptr && value->is_array() && value->empty();
        if (value != nullptr && !empty_array)
            return make_error("{}: not supported yet", section);
    }
    return {};
}

Result<VmConfig> parse_sections(const JsonObject& root) {
    TRY(refuse_unsupported_sections(root));
    VmConfig config;
    config.boot_source = TRY(root.required("boot-source", config::parse_boot_source));
    config.drives = TRY(root.required("drives", [](const Json& value, const std::string& path) {
        return parse_array<DriveConfig>(value, path, config::parse_drive);
    }));
    // Firecracker's defaults when machine-config is left out.
    config.machine = MachineConfig{.vcpu_count = 1, .mem_size_mib = 128};
    if (auto machine = TRY(root.optional("machine-config", config::parse_machine_config)))
        config.machine = *machine;
    auto interfaces =
        TRY(root.optional("network-interfaces", [](const Json& value, const std::string& path) {
            return parse_array<NetworkInterfaceConfig>(value, path,
                                                       config::parse_network_interface);
        }));
    config.network_interfaces =
        std::move(interfaces).value_or(std::vector<NetworkInterfaceConfig>{});
    if (auto entropy = TRY(root.optional("entropy", parse_entropy)))
        config.entropy = *entropy;
    return config;
}

}  // namespace

Result<VmConfig> parse_config_json(std::string_view text) {
    Json document = TRY(config::parse_json_document(text));
    JsonObject root = TRY(JsonObject::open(document, "", kTopLevelFields));
    VmConfig config = TRY(parse_sections(root));
    return validate_vm_config(std::move(config));
}

Result<VmConfig> load_config_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return errno_error(fmt::format("cannot open config file {}", path));
    // Read one byte past the limit to tell a file of exactly the limit from a larger one.
    std::string text(kMaxConfigFileSize + 1, '\0');
    size_t size = 0;
    while (size < text.size()) {
        ssize_t n = ::read(fd.get(), text.data() + size, text.size() - size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno_error(fmt::format("cannot read config file {}", path));
        if (n == 0)
            break;
        size += static_cast<size_t>(n);
    }
    if (size > kMaxConfigFileSize)
        return make_error("config file {}: larger than {} bytes", path, kMaxConfigFileSize);
    text.resize(size);
    auto config = parse_config_json(text);
    if (!config)
        return std::unexpected(config.error().context(path));
    return config;
}

}  // namespace zapotec
