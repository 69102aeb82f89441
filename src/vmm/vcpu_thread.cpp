#include "vmm/vcpu_thread.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <mutex>

#include "base/log.hpp"
#include "kvm/kvm.hpp"

namespace zapotec {

namespace {

// The signal that kicks a vCPU thread out of KVM_RUN; its handler does nothing, the
// interruption (EINTR) is the point.
int kick_signal() {
    return SIGRTMIN;
}

void install_kick_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = [](int) {};
        sigemptyset(&action.sa_mask);
        sigaction(kick_signal(), &action, nullptr);
    });
}

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

VcpuThread::VcpuThread(kvm::Vcpu vcpu, const Bus& pio_bus, const Bus& mmio_bus,
                       ExitCallback on_exit)
    : vcpu_(std::move(vcpu)), pio_bus_(pio_bus), mmio_bus_(mmio_bus), on_exit_(std::move(on_exit)) {
    install_kick_handler();
}

VcpuThread::~VcpuThread() {
    stop();
    join();
}

void VcpuThread::start() {
    thread_ = std::thread([this] { run(); });
}

void VcpuThread::stop() {
    stopping_ = true;
    vcpu_.set_immediate_exit(true);
    std::lock_guard lock(kick_mutex_);
    if (native_handle_)
        pthread_kill(native_handle_, kick_signal());
}

void VcpuThread::join() {
    if (thread_.joinable())
        thread_.join();
}

std::string VcpuThread::location() const {
    auto regs = vcpu_.get_regs();
    auto sregs = vcpu_.get_sregs();
    if (!regs || !sregs)
        return fmt::format("vCPU {}", vcpu_.id());
    return fmt::format("vCPU {} at RIP {:#x} (CS {:#x}, CR0 {:#x}, EFER {:#x})", vcpu_.id(),
                       regs->rip, sregs->cs.selector, sregs->cr0, sregs->efer);
}

void VcpuThread::run() {
    {
        std::lock_guard lock(kick_mutex_);
        native_handle_ = pthread_self();
    }
    // Whatever way the loop ends, the thread is no longer kickable once it returns.
    struct Unpublish {
        VcpuThread* self;
        ~Unpublish() {
            std::lock_guard lock(self->kick_mutex_);
            self->native_handle_ = 0;
        }
    } unpublish{this};
    pthread_setname_np(pthread_self(), fmt::format("vcpu{}", vcpu_.id()).c_str());
    // A stop() that raced with start() set immediate_exit before we published the handle.
    while (!stopping_) {
        auto exit = vcpu_.run();
        if (!exit) {
            on_exit_(VmExit{VmExitKind::Error, exit.error().message()});
            return;
        }
        ++exits_;
        if (!handle_exit(*exit))
            return;
    }
}

bool VcpuThread::handle_exit(const kvm::VcpuExit& exit) {
    return std::visit(
        Overloaded{
            [&](const kvm::exit::IoIn& io) {
                for (size_t at = 0; at + io.size <= io.data.size(); at += io.size) {
                    auto element = io.data.subspan(at, io.size);
                    if (!pio_bus_.read(io.port, element)) {
                        std::fill(element.begin(), element.end(), 0xff);
                    }
                }
                return true;
            },
            [&](const kvm::exit::IoOut& io) {
                for (size_t at = 0; at + io.size <= io.data.size(); at += io.size) {
                    pio_bus_.write(io.port, io.data.subspan(at, io.size));
                }
                return true;
            },
            [&](const kvm::exit::MmioRead& mmio) {
                if (!mmio_bus_.read(mmio.address, mmio.data)) {
                    std::fill(mmio.data.begin(), mmio.data.end(), 0xff);
                }
                return true;
            },
            [&](const kvm::exit::MmioWrite& mmio) {
                mmio_bus_.write(mmio.address, mmio.data);
                return true;
            },
            [&](const kvm::exit::Interrupted&) { return true; },
            [&](const kvm::exit::Hlt&) {
                on_exit_(VmExit{VmExitKind::Error,
                                fmt::format("{} halted with nothing to wake it", location())});
                return false;
            },
            [&](const kvm::exit::Shutdown&) {
                on_exit_(VmExit{
                    VmExitKind::Crash,
                    fmt::format("guest triple fault (KVM_EXIT_SHUTDOWN) on {}", location())});
                return false;
            },
            [&](const kvm::exit::SystemEvent& event) {
                switch (event.type) {
                    case KVM_SYSTEM_EVENT_SHUTDOWN:
                        on_exit_(VmExit{VmExitKind::PowerOff, "guest powered off"});
                        break;
                    case KVM_SYSTEM_EVENT_RESET:
                        on_exit_(VmExit{VmExitKind::Reset, "guest rebooted"});
                        break;
                    default:
                        on_exit_(VmExit{
                            VmExitKind::Crash,
                            fmt::format("guest system event {} on {}", event.type, location())});
                }
                return false;
            },
            [&](const kvm::exit::FailEntry& fail) {
                on_exit_(VmExit{VmExitKind::Error,
                                fmt::format("KVM could not enter the guest (hardware reason "
                                            "{:#x}) on {}",
                                            fail.hardware_reason, location())});
                return false;
            },
            [&](const kvm::exit::InternalError& error) {
                std::string hint;
                if (kvm::host_is_pvm()) {
                    hint =
                        "; this host's /dev/kvm is kvm_pvm, which runs only PVM-aware guest "
                        "kernels";
                }
                on_exit_(
                    VmExit{VmExitKind::Error,
                           fmt::format("KVM internal error (suberror {}) on {}{}{}{}",
                                       error.suberror, location(),
                                       error.details.empty() ? "" : ": ", error.details, hint)});
                return false;
            },
            [&](const kvm::exit::Other& other) {
                on_exit_(VmExit{
                    VmExitKind::Error,
                    fmt::format("unexpected KVM exit reason {} on {}", other.reason, location())});
                return false;
            },
        },
        exit);
}

}  // namespace zapotec
