// The zapotec command line: turns argv into a validated VmConfig plus process flags.
//
//   zapotec [global flags] run --kernel PATH [--initrd PATH] [--cmdline STR] [--cpus N]
//           [--memory MIB] [--disk SPEC]... [--net SPEC]... [--no-rng]   (cli/device_flags.hpp)
//   zapotec [global flags] --config-file vm.json [--no-api | --api-sock PATH]
//   zapotec [global flags] --api-sock PATH          (configure and start the VM over the API)
//   zapotec ctl SOCKET start|pause|resume|stop|info|metrics   (handled by cli/ctl.hpp)
//   global flags: --log-level error|warn|info|debug|trace, --boot-timer, --version, --help,
//                 and Firecracker's --id, --metrics-path, --log-path, --level, --show-level,
//                 --show-log-origin
//
// As in Firecracker, --config-file serves the API as well unless --no-api is given, on
// --api-sock or else on kDefaultApiSocket; `run` serves it only when --api-sock is given.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "vmm/vm_config.hpp"

namespace zapotec {

// What zapotec was asked to do: boot `vm`.
struct Command {
    // Where the VM description came from.
    enum class Source {
        kRunFlags,    // zapotec run --kernel ...
        kConfigFile,  // zapotec --config-file vm.json
        kApiOnly,     // zapotec --api-sock PATH: no VM until the API configures one.
    };

    Source source = Source::kRunFlags;
    // Validated by validate_vm_config; the root drive is first. Host files and memory are
    // not checked yet: call check_host_resources(). Unused with Source::kApiOnly.
    VmConfig vm;
    std::optional<std::string> config_file;  // Set with Source::kConfigFile.
    // Firecracker's API flags as given.
    std::optional<std::string> api_sock;
    bool no_api = false;
    // The socket the API is served on; absent when the API is off.
    std::optional<std::string> api_socket;
    std::string log_level = "warn";  // One of error, warn, info, debug, trace.
    bool boot_timer = false;         // Log the guest's boot-time marker writes.

    // Firecracker's process flags.
    std::string instance_id = "anonymous-instance";  // --id
    std::optional<std::string> metrics_path;         // --metrics-path
    std::optional<std::string> log_path;             // --log-path
    std::optional<std::string> level;                // --level (Firecracker's names)
    bool show_level = false;                         // --show-level
    bool show_log_origin = false;                    // --show-log-origin

    bool has_vm() const { return source != Source::kApiOnly; }
    // Whether --log-path, --level, --show-level or --show-log-origin asks for Firecracker's
    // log format (base/log_settings.hpp) rather than the plain stderr logger.
    bool firecracker_logging() const { return log_path || level || show_level || show_log_origin; }
};

// Firecracker serves /run/firecracker.socket when no --api-sock is given.
inline constexpr const char* kDefaultApiSocket = "/run/zapotec.socket";
// Firecracker's rule for --id: 1 to 64 letters, digits and '-'.
inline constexpr size_t kMaxInstanceIdLength = 64;

// parse_args produced no Command: the process should print `message` (already ending in a
// newline) to stdout when `exit_code` is 0 (--help, --version), else to stderr, and exit
// with `exit_code`.
struct ArgsExit {
    int exit_code = 0;
    std::string message;
};

// A malformed or invalid command line (including VM values that fail validation).
inline constexpr int kExitUsage = 2;
// A config file that cannot be read or is invalid.
inline constexpr int kExitBadConfig = 1;

// Parses the command line; with --config-file it also reads and validates the file. Never
// throws. Errors name the flag, e.g. "zapotec: --cpus: must be between 1 and 254, got 0".
[[nodiscard]] std::variant<Command, ArgsExit> parse_args(int argc, const char* const* argv);

}  // namespace zapotec
