// The zapotec command line, parsed with CLI11; CLI11's exceptions stop here.
#include "cli/args.hpp"

#include <charconv>
#include <sstream>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/error.hpp"
#include "config/config_file.hpp"
#include "config/validate.hpp"

namespace zapotec {

namespace {

// The flags as CLI11 fills them in, before they become a Command.
struct RawArgs {
    std::string log_level = "warn";
    bool boot_timer = false;
    std::string config_file;
    std::string api_sock;
    bool no_api = false;

    bool run = false;
    std::string kernel;
    std::string initrd;
    std::string cmdline = BootSourceConfig{}.boot_args;
    // Numbers are taken as text and converted strictly: CLI11 would accept "0x10" and "010",
    // and wrap "-1" around for 64-bit values.
    std::string cpus = "1";
    std::string memory = "256";
    std::vector<std::string> disks;
    bool no_rng = false;

    // Whether these were given at all, since an empty value is still a value.
    bool config_file_given = false;
    bool api_sock_given = false;
    bool initrd_given = false;
};

// The options whose presence matters even when their value is empty.
struct GivenOptions {
    CLI::Option* config_file = nullptr;
    CLI::Option* api_sock = nullptr;
    CLI::Option* initrd = nullptr;
};

GivenOptions add_flags(CLI::App& app, CLI::App& run, RawArgs& raw) {
    GivenOptions given;
    app.set_version_flag("--version", "zapotec " ZAPOTEC_VERSION);
    app.add_option("--log-level", raw.log_level, "Log level")
        ->type_name("LEVEL")
        ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace"}))
        ->capture_default_str();
    app.add_flag("--boot-timer", raw.boot_timer, "Log the guest's boot-time marker writes");
    given.config_file = app.add_option("--config-file", raw.config_file,
                                       "Boot the VM described by a Firecracker config file")
                            ->type_name("PATH");
    given.api_sock = app.add_option("--api-sock", raw.api_sock,
                                    "Path of the API socket (the API is not implemented yet)")
                         ->type_name("PATH");
    app.add_flag("--no-api", raw.no_api, "Run without the API socket");

    run.add_option("--kernel", raw.kernel, "Kernel image (bzImage or ELF vmlinux)")
        ->type_name("PATH")
        ->required();
    given.initrd = run.add_option("--initrd", raw.initrd, "Initial ramdisk")->type_name("PATH");
    run.add_option("--cmdline", raw.cmdline, "Kernel command line")
        ->type_name("STR")
        ->capture_default_str();
    run.add_option("--cpus", raw.cpus, "Number of vCPUs")->type_name("N")->capture_default_str();
    run.add_option("--memory", raw.memory, "Guest memory in MiB")
        ->type_name("MIB")
        ->capture_default_str();
    run.add_option("--disk", raw.disks,
                   "Disk image, PATH or PATH,ro; repeat for more (the first is /dev/vda)")
        ->type_name("PATH[,ro]")
        ->allow_extra_args(false);
    run.add_flag("--no-rng", raw.no_rng, "Do not give the guest a virtio-rng device");
    return given;
}

template <class T>
Result<T> parse_decimal(const std::string& text, std::string_view flag) {
    T value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error == std::errc::invalid_argument || end != text.data() + text.size())
        return make_error("{}: expected a decimal number, got \"{}\"", flag, text);
    if (error == std::errc::result_out_of_range)
        return make_error("{}: {} is too large", flag, text);
    return value;
}

// "PATH" or "PATH,ro". Options are matched strictly, so that a mistyped one is not a silent
// read-write disk; a path that contains a comma cannot be given.
Result<DriveConfig> parse_disk(const std::string& spec, size_t index) {
    DriveConfig drive;
    drive.drive_id = fmt::format("disk{}", index);
    drive.is_root_device = index == 0;
    size_t comma = spec.find(',');
    drive.path_on_host = spec.substr(0, comma);
    if (drive.path_on_host.empty())
        return make_error("--disk {}: missing path", spec);
    while (comma != std::string::npos) {
        size_t next = spec.find(',', comma + 1);
        std::string option =
            spec.substr(comma + 1, next == std::string::npos ? next : next - comma - 1);
        if (option != "ro")
            return make_error("--disk {}: unknown option \"{}\" (only \"ro\" is supported)", spec,
                              option);
        if (drive.is_read_only)
            return make_error("--disk {}: \"ro\" given twice", spec);
        drive.is_read_only = true;
        comma = next;
    }
    return drive;
}

// Validation names config-file fields; say which flag set them instead.
std::string flag_for_field(const std::string& path) {
    if (path == "machine-config.vcpu_count")
        return "--cpus";
    if (path == "machine-config.mem_size_mib")
        return "--memory";
    if (path == "boot-source.kernel_image_path")
        return "--kernel";
    if (path == "boot-source.initrd_path")
        return "--initrd";
    if (path == "boot-source.boot_args")
        return "--cmdline";
    size_t index = 0;
    if (path.starts_with("drives[") &&
        std::from_chars(path.data() + 7, path.data() + path.size(), index).ec == std::errc())
        return fmt::format("--disk #{}", index + 1);
    return path;
}

Result<VmConfig> vm_from_run_flags(const RawArgs& raw) {
    VmConfig vm;
    vm.boot_source.kernel_image_path = raw.kernel;
    if (raw.initrd_given)
        vm.boot_source.initrd_path = raw.initrd;
    vm.boot_source.boot_args = raw.cmdline;
    vm.machine.vcpu_count = TRY(parse_decimal<uint32_t>(raw.cpus, "--cpus"));
    vm.machine.mem_size_mib = TRY(parse_decimal<uint64_t>(raw.memory, "--memory"));
    for (size_t i = 0; i < raw.disks.size(); ++i)
        vm.drives.push_back(TRY(parse_disk(raw.disks[i], i)));
    vm.entropy.enabled = !raw.no_rng;
    return validate_vm_config(std::move(vm), flag_for_field);
}

ArgsExit usage_error(const std::string& message) {
    return ArgsExit{kExitUsage, fmt::format("zapotec: {} (see --help)\n", message)};
}

std::variant<Command, ArgsExit> make_command(const RawArgs& raw) {
    Command command;
    command.log_level = raw.log_level;
    command.boot_timer = raw.boot_timer;
    command.no_api = raw.no_api;
    if (raw.api_sock_given)
        command.api_sock = raw.api_sock;

    bool has_config_file = raw.config_file_given;
    if (raw.run && has_config_file)
        return usage_error("--config-file cannot be combined with run");
    if (!raw.run && !has_config_file)
        return usage_error("nothing to do: use \"run --kernel PATH\" or \"--config-file FILE\"");
    // Firecracker starts its API unless --no-api; `run` starts it only when asked.
    bool wants_api = !raw.no_api && (has_config_file || command.api_sock);
    if (wants_api)
        return usage_error("the API is not implemented yet; use --no-api");

    if (has_config_file) {
        auto vm = load_config_file(raw.config_file);
        if (!vm)
            return ArgsExit{kExitBadConfig, fmt::format("zapotec: {}\n", vm.error().message())};
        command.source = Command::Source::kConfigFile;
        command.config_file = raw.config_file;
        command.vm = std::move(*vm);
        return command;
    }
    auto vm = vm_from_run_flags(raw);
    if (!vm)
        return usage_error(vm.error().message());
    command.source = Command::Source::kRunFlags;
    command.vm = std::move(*vm);
    return command;
}

}  // namespace

std::variant<Command, ArgsExit> parse_args(int argc, const char* const* argv) {
    RawArgs raw;
    try {
        CLI::App app("Zapotec: a virtual machine monitor on Linux KVM", "zapotec");
        CLI::App* run = app.add_subcommand("run", "Boot a VM described by flags");
        // Global flags may also come after "run".
        run->fallthrough();
        GivenOptions given = add_flags(app, *run, raw);
        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            if (e.get_exit_code() != static_cast<int>(CLI::ExitCodes::Success))
                return usage_error(e.what());
            // --help or --version: let CLI11 write the text.
            std::ostringstream out;
            std::ostringstream err;
            int code = app.exit(e, out, err);
            return ArgsExit{code, out.str() + err.str()};
        }
        raw.run = run->parsed();
        raw.config_file_given = given.config_file->count() > 0;
        raw.api_sock_given = given.api_sock->count() > 0;
        raw.initrd_given = given.initrd->count() > 0;
    } catch (const std::exception& e) {
        // CLI11 construction errors are bugs here, but must not take the process down.
        return usage_error(e.what());
    }
    return make_command(raw);
}

}  // namespace zapotec
