// zapotec: parse the command line, then either build the VM and run it (no API), or run a
// VmController on one event loop that serves the API socket and the VM's devices; turn how
// the VM ended into the process's exit status (vmm/vm_exit.hpp).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string_view>
#include <variant>

#include "api/api_server.hpp"
#include "base/log.hpp"
#include "base/log_settings.hpp"
#include "cli/args.hpp"
#include "cli/ctl.hpp"
#include "cli/terminal.hpp"
#include "cli/termination_signals.hpp"
#include "config/host_resources.hpp"
#include "vmm/vm_controller.hpp"
#include "vmm/vmm.hpp"

using namespace zapotec;

namespace {

int fail(const std::string& message, int code = 1) {
    std::fprintf(stderr, "zapotec: %s\n", message.c_str());
    return code;
}

int report_exit(const VmExit& exit) {
    if (exit.exit_code() != 0)
        return fail(exit.message, exit.exit_code());
    spdlog::info("{}", exit.message);
    return 0;
}

Result<> set_up_logging(const Command& command) {
    init_logging(command.log_level);
    if (!command.firecracker_logging())
        return {};
    LogSettings settings;
    settings.log_path = command.log_path;
    settings.level = command.level;
    settings.show_level = command.show_level;
    settings.show_log_origin = command.show_log_origin;
    settings.instance_id = command.instance_id;
    return apply_log_settings(settings);
}

// No API, no metrics: the VM runs on its own loop until it stops.
int run_vm(const Command& command, const BuildOptions& options) {
    if (auto checked = check_host_resources(command.vm); !checked)
        return fail(checked.error().message());
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
    return report_exit(*exit);
}

// The API and/or the metrics file: a controller on one loop with the VM's devices.
int serve(const Command& command, BuildOptions options) {
    auto created = EventLoop::create();
    if (!created)
        return fail(created.error().message(), 2);
    std::shared_ptr<EventLoop> loop = std::move(*created);
    options.event_loop = loop;
    ControllerOptions controller_options;
    controller_options.instance_id = command.instance_id;
    controller_options.build = options;
    VmController controller(std::move(controller_options));

    // Before any thread starts, so that the signals reach only the signalfd.
    auto signals = TerminationSignals::watch(*loop, [&controller](int signo, const char* name) {
        controller.request_exit(
            {VmExitKind::Error, fmt::format("stopped by signal {} ({})", signo, name)});
    });
    if (!signals)
        return fail(signals.error().message(), 2);
    if (command.metrics_path) {
        if (auto configured = controller.put_metrics({*command.metrics_path}); !configured)
            return fail(configured.error().message());
    }
    std::unique_ptr<ApiServer> server;
    if (command.api_socket) {
        auto started = ApiServer::start(*command.api_socket, *loop, controller);
        if (!started)
            return fail(started.error().message());
        server = std::move(*started);
    }
    std::unique_ptr<TerminalRawMode> raw_mode;
    if (command.has_vm()) {
        if (auto loaded = controller.load_config(command.vm); !loaded)
            return fail(loaded.error().message());
        if (auto started = controller.start_instance(); !started)
            return fail(started.error().message());
        // A VM configured over the API gets a cooked console: until it starts, Ctrl+C must
        // still reach this process.
        auto entered = TerminalRawMode::enter_if_terminal(STDIN_FILENO);
        if (entered)
            raw_mode = std::move(*entered);
        else
            spdlog::warn("console input: {}", entered.error().message());
    }
    auto ran = loop->run();
    raw_mode = nullptr;
    server = nullptr;  // No request may reach the controller once the VM is finished.
    VmExit exit = controller.finish();
    if (!ran)
        return fail(ran.error().message(), 2);
    return report_exit(exit);
}

}  // namespace

int main(int argc, char** argv) {
    BuildOptions options;
    options.process_start = std::chrono::steady_clock::now();
    // A console reader that went away must not kill the VMM.
    ::signal(SIGPIPE, SIG_IGN);

    if (argc >= 2 && std::string_view(argv[1]) == "ctl")
        return run_ctl(argc - 1, argv + 1);
    auto parsed = parse_args(argc, argv);
    if (auto* early_exit = std::get_if<ArgsExit>(&parsed)) {
        std::fputs(early_exit->message.c_str(), early_exit->exit_code == 0 ? stdout : stderr);
        return early_exit->exit_code;
    }
    const Command& command = std::get<Command>(parsed);
    if (auto logging = set_up_logging(command); !logging)
        return fail(logging.error().message(), kExitUsage);
    options.boot_timer = command.boot_timer;

    if (command.api_socket || command.metrics_path)
        return serve(command, options);
    return run_vm(command, options);
}
