// The zapotec command line, parsed with CLI11; CLI11's exceptions stop here.
#include "cli/args.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/error.hpp"
#include "base/log_settings.hpp"
#include "cli/device_flags.hpp"
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
    std::string id = "anonymous-instance";
    std::string metrics_path;
    std::string log_path;
    std::string level;
    bool show_level = false;
    bool show_log_origin = false;

    bool run = false;
    std::string kernel;
    std::string initrd;
    std::string cmdline = BootSourceConfig{}.boot_args;
    // Numbers are taken as text and converted strictly: CLI11 would accept "0x10" and "010",
    // and wrap "-1" around for 64-bit values.
    std::string cpus = "1";
    std::string memory = "256";
    std::vector<std::string> disks;
    std::vector<std::string> nets;
    bool no_rng = false;

    // Whether these were given at all, since an empty value is still a value.
    bool config_file_given = false;
    bool api_sock_given = false;
    bool initrd_given = false;
    bool metrics_path_given = false;
    bool log_path_given = false;
    bool level_given = false;
    bool log_level_given = false;
};

// The options whose presence matters even when their value is empty.
struct GivenOptions {
    CLI::Option* config_file = nullptr;
    CLI::Option* api_sock = nullptr;
    CLI::Option* initrd = nullptr;
    CLI::Option* metrics_path = nullptr;
    CLI::Option* log_path = nullptr;
    CLI::Option* level = nullptr;
    CLI::Option* log_level = nullptr;
};

GivenOptions add_flags(CLI::App& app, CLI::App& run, RawArgs& raw) {
    GivenOptions given;
    app.set_version_flag("--version", "zapotec " ZAPOTEC_VERSION);
    given.log_level = app.add_option("--log-level", raw.log_level, "Log level")
                          ->type_name("LEVEL")
                          ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace"}))
                          ->capture_default_str();
    app.add_flag("--boot-timer", raw.boot_timer, "Log the guest's boot-time marker writes");
    given.config_file = app.add_option("--config-file", raw.config_file,
                                       "Boot the VM described by a Firecracker config file")
                            ->type_name("PATH");
    given.api_sock = app.add_option("--api-sock", raw.api_sock,
                                    fmt::format("Serve the API on this Unix socket (with "
                                                "--config-file the default is {})",
                                                kDefaultApiSocket))
                         ->type_name("PATH");
    app.add_flag("--no-api", raw.no_api, "Run without the API socket");
    app.add_option("--id", raw.id, "Instance id, for GET / and the logs")
        ->type_name("ID")
        ->capture_default_str();
    given.metrics_path =
        app.add_option("--metrics-path", raw.metrics_path,
                       "Append metrics as JSON lines to this file or FIFO every 60 s")
            ->type_name("PATH");
    given.log_path =
        app.add_option("--log-path", raw.log_path, "Log to this file or FIFO")->type_name("PATH");
    given.level = app.add_option("--level", raw.level,
                                 "Firecracker's log level: Error, Warning, Info, Debug, Trace, Off")
                      ->type_name("LEVEL");
    app.add_flag("--show-level", raw.show_level, "Show each log line's level");
    app.add_flag("--show-log-origin", raw.show_log_origin,
                 "Show each log line's file and line in the source");
    app.footer("Also: zapotec ctl SOCKET start|pause|resume|stop|info|metrics");

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
                   "Disk image; repeat for more (the first is /dev/vda). SIZE is bytes per "
                   "second with an optional K, M or G suffix (1024-based)")
        ->type_name("PATH[,ro][,bandwidth=SIZE][,iops=N][,engine=sync|async]")
        ->allow_extra_args(false);
    run.add_option("--net", raw.nets,
                   "Network interface on a host tap device; repeat for more "
                   "(eth0, eth1, ...)")
        ->type_name("tap=NAME[,mac=MAC][,mtu=N][,rx-bandwidth=SIZE][,tx-bandwidth=SIZE]")
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
    constexpr std::string_view kNets = "network-interfaces[";
    if (path.starts_with(kNets) &&
        std::from_chars(path.data() + kNets.size(), path.data() + path.size(), index).ec ==
            std::errc())
        return fmt::format("--net #{}{}", index + 1, path.substr(path.find(']') + 1));
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
        vm.drives.push_back(TRY(parse_disk_flag(raw.disks[i], i)));
    for (size_t i = 0; i < raw.nets.size(); ++i)
        vm.network_interfaces.push_back(TRY(parse_net_flag(raw.nets[i], i)));
    vm.entropy.enabled = !raw.no_rng;
    return validate_vm_config(std::move(vm), flag_for_field);
}

ArgsExit usage_error(const std::string& message) {
    return ArgsExit{kExitUsage, fmt::format("zapotec: {} (see --help)\n", message)};
}

// Firecracker's instance id rule.
bool is_valid_instance_id(std::string_view id) {
    return !id.empty() && id.size() <= kMaxInstanceIdLength &&
           std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-';
           });
}

// The process flags shared by every mode: logging, metrics, the instance id.
Result<> fill_process_flags(const RawArgs& raw, Command& command) {
    if (!is_valid_instance_id(raw.id))
        return make_error("--id \"{}\": must be 1 to {} letters, digits and '-'", raw.id,
                          kMaxInstanceIdLength);
    command.instance_id = raw.id;
    if (raw.level_given && raw.log_level_given)
        return make_error("--level and --log-level cannot be combined");
    if (raw.level_given) {
        if (auto level = parse_log_level(raw.level); !level)
            return make_error("--level: {}", level.error().message());
        command.level = raw.level;
    }
    if (raw.metrics_path_given) {
        if (raw.metrics_path.empty())
            return make_error("--metrics-path: must not be empty");
        command.metrics_path = raw.metrics_path;
    }
    if (raw.log_path_given) {
        if (raw.log_path.empty())
            return make_error("--log-path: must not be empty");
        command.log_path = raw.log_path;
    }
    command.show_level = raw.show_level;
    command.show_log_origin = raw.show_log_origin;
    return {};
}

std::variant<Command, ArgsExit> make_command(const RawArgs& raw) {
    Command command;
    command.log_level = raw.log_level;
    command.boot_timer = raw.boot_timer;
    command.no_api = raw.no_api;
    if (raw.api_sock_given)
        command.api_sock = raw.api_sock;
    if (auto filled = fill_process_flags(raw, command); !filled)
        return usage_error(filled.error().message());

    bool has_config_file = raw.config_file_given;
    if (raw.run && has_config_file)
        return usage_error("--config-file cannot be combined with run");
    // Firecracker serves its API unless --no-api; `run` serves it only when asked.
    bool wants_api = !raw.no_api && (has_config_file || command.api_sock);
    if (!raw.run && !has_config_file && !wants_api)
        return usage_error(
            "nothing to do: use \"run --kernel PATH\", \"--config-file FILE\" or \"--api-sock "
            "PATH\"");
    if (wants_api) {
        if (command.api_sock && command.api_sock->empty())
            return usage_error("--api-sock: must not be empty");
        command.api_socket = command.api_sock.value_or(kDefaultApiSocket);
    }
    if (!raw.run && !has_config_file) {
        command.source = Command::Source::kApiOnly;
        return command;
    }

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
        raw.metrics_path_given = given.metrics_path->count() > 0;
        raw.log_path_given = given.log_path->count() > 0;
        raw.level_given = given.level->count() > 0;
        raw.log_level_given = given.log_level->count() > 0;
    } catch (const std::exception& e) {
        // CLI11 construction errors are bugs here, but must not take the process down.
        return usage_error(e.what());
    }
    return make_command(raw);
}

}  // namespace zapotec
