// zapotec: parse the command line, build the VM, run it, and turn how it ended into the
// process's exit status.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <variant>

#include "base/log.hpp"
#include "cli/args.hpp"
#include "cli/terminal.hpp"
#include "config/host_resources.hpp"
#include "vmm/vmm.hpp"

using namespace zapotec;

namespace {

int fail(const std::string& message, int code = 1) {
    std::fprintf(stderr, "zapotec: %s\n", message.c_str());
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    BuildOptions options;
    options.process_start = std::chrono::steady_clock::now();
    // A console reader that went away must not kill the VMM.
    ::signal(SIGPIPE, SIG_IGN);

    auto parsed = parse_args(argc, argv);
    if (auto* early_exit = std::get_if<ArgsExit>(&parsed)) {
        std::fputs(early_exit->message.c_str(), early_exit->exit_code == 0 ? stdout : stderr);
        return early_exit->exit_code;
    }
    const Command& command = std::get<Command>(parsed);
    init_logging(command.log_level);
    options.boot_timer = command.boot_timer;

    if (auto checked = check_host_resources(command.vm); !checked) {
        return fail(checked.error().message());
    }
    auto vmm = Vmm::build(command.vm, options);
    if (!vmm)
        return fail(vmm.error().message());

    auto raw_mode = TerminalRawMode::enter_if_terminal(STDIN_FILENO);
    if (!raw_mode)
        spdlog::warn("console input: {}", raw_mode.error().message());
    auto exit = (*vmm)->run();
    raw_mode = nullptr;  // Restore the terminal before anything else is printed.
    if (!exit)
        return fail(exit.error().message(), 2);
    if (exit->exit_code() != 0)
        return fail(exit->message, exit->exit_code());
    spdlog::info("{}", exit->message);
    return 0;
}
