// The zapotec command line: turns argv into a validated VmConfig plus process flags.
//
//   zapotec [global flags] run --kernel PATH [--initrd PATH] [--cmdline STR] [--cpus N]
//           [--memory MIB] [--disk PATH[,ro]]... [--no-rng]
//   zapotec [global flags] --config-file vm.json --no-api [--api-sock PATH]
//   global flags: --log-level error|warn|info|debug|trace, --boot-timer, --version, --help
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
    };

    Source source = Source::kRunFlags;
    // Validated by validate_vm_config; the root drive is first. Host files and memory are
    // not checked yet: call check_host_resources().
    VmConfig vm;
    std::optional<std::string> config_file;  // Set with Source::kConfigFile.
    // Firecracker's API flags. The API does not exist yet, so parse_args refuses any command
    // line that would start it; a Command always has the API off.
    std::optional<std::string> api_sock;
    bool no_api = false;
    std::string log_level = "warn";  // One of error, warn, info, debug, trace.
    bool boot_timer = false;         // Log the guest's boot-time marker writes.
};

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
