// The vCPU thread: the KVM_RUN loop, parking for a pause, and dispatching exits.
#include "vmm/vcpu_thread.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
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
    set_state(State::kRunning);
    thread_ = std::thread([this] { run(); });
}

void VcpuThread::kick() {
    vcpu_.set_immediate_exit(true);
    std::lock_guard lock(kick_mutex_);
    if (native_handle_)
        pthread_kill(native_handle_, kick_signal());
}

void VcpuThread::stop() {
    stopping_ = true;
    // Taking the lock orders the flag before a parked thread's next look at it, so the
    // notification cannot fall between its check and its wait.
    { std::lock_guard lock(state_mutex_); }
    state_changed_.notify_all();
    kick();
}

void VcpuThread::join() {
    if (thread_.joinable())
        thread_.join();
}

void VcpuThread::set_state(State state) {
    {
        std::lock_guard lock(state_mutex_);
        state_ = state;
    }
    state_changed_.notify_all();
}

void VcpuThread::request_pause() {
    {
        std::lock_guard lock(state_mutex_);
        pause_requested_ = true;
    }
    kick();
}

bool VcpuThread::wait_parked(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(state_mutex_);
    return state_changed_.wait_until(lock, deadline, [this] { return state_ != State::kRunning; });
}

void VcpuThread::resume() {
    {
        std::lock_guard lock(state_mutex_);
        pause_requested_ = false;
    }
    state_changed_.notify_all();
}

bool VcpuThread::parked() const {
    std::lock_guard lock(state_mutex_);
    return state_ == State::kParked;
}

Result<kvm_regs> VcpuThread::paused_regs() const {
    std::lock_guard lock(state_mutex_);
    if (state_ != State::kParked)
        return make_error("vCPU {} is not paused", vcpu_.id());
    return vcpu_.get_regs();
}

Result<> VcpuThread::notify_guest_paused() const {
    std::lock_guard lock(state_mutex_);
    if (state_ == State::kNotStarted || state_ == State::kEnded)
        return {};  // Not in the guest, and never will be again (or not yet).
    if (state_ != State::kParked)
        return make_error("vCPU {} is not paused", vcpu_.id());
    auto done = vcpu_.kvmclock_ctrl();
    if (!done && done.error().code() != EINVAL)
        return std::unexpected(done.error().context(fmt::format("vCPU {}", vcpu_.id())));
    return {};
}

uint64_t VcpuThread::cpu_time_ns() const {
    std::lock_guard lock(kick_mutex_);
    if (!native_handle_)
        return final_cpu_ns_;
    timespec now{};
    if (clock_gettime(cpu_clock_, &now) != 0)
        return final_cpu_ns_;
    return static_cast<uint64_t>(now.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(now.tv_nsec);
}

void VcpuThread::collect_metrics(MetricSink& sink) const {
    counters_.report(sink);
    sink.counter("cpu_time_us", cpu_time_ns() / 1000);
}

std::string VcpuThread::location() const {
    auto regs = vcpu_.get_regs();
    auto sregs = vcpu_.get_sregs();
    if (!regs || !sregs)
        return fmt::format("vCPU {}", vcpu_.id());
    return fmt::format("vCPU {} at RIP {:#x} (CS {:#x}, CR0 {:#x}, EFER {:#x})", vcpu_.id(),
                       regs->rip, sregs->cs.selector, sregs->cr0, sregs->efer);
}

bool VcpuThread::settle_for_pause() {
    // KVM finishes an IN or MMIO read (writes the data into the guest's register) and a
    // string access's next step only on the next KVM_RUN; with immediate_exit set that
    // KVM_RUN does exactly this and returns EINTR. A step of a string access may exit once
    // more, so a few rounds are allowed.
    for (int round = 0; round < 8 && !stopping_; ++round) {
        vcpu_.set_immediate_exit(true);
        auto exit = vcpu_.run();
        if (!exit) {
            on_exit_(VmExit{VmExitKind::Error, exit.error().message()});
            return false;
        }
        if (std::holds_alternative<kvm::exit::Interrupted>(*exit))
            return true;
        counters_.count(*exit);
        if (!handle_exit(*exit))
            return false;
    }
    return !stopping_;
}

void VcpuThread::park() {
    counters_.count_pause();
    std::unique_lock lock(state_mutex_);
    state_ = State::kParked;
    state_changed_.notify_all();
    state_changed_.wait(lock, [this] { return stopping_ || !pause_requested_; });
    state_ = State::kRunning;
}

void VcpuThread::run() {
    {
        std::lock_guard lock(kick_mutex_);
        native_handle_ = pthread_self();
        if (pthread_getcpuclockid(native_handle_, &cpu_clock_) != 0)
            cpu_clock_ = CLOCK_THREAD_CPUTIME_ID;
    }
    // Whatever way the loop ends, the thread is no longer kickable once it returns, and
    // whoever waits for it to park learns that it never will.
    struct Unpublish {
        VcpuThread* self;
        ~Unpublish() {
            timespec used{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &used);
            {
                std::lock_guard lock(self->kick_mutex_);
                self->native_handle_ = 0;
                self->final_cpu_ns_ = static_cast<uint64_t>(used.tv_sec) * 1'000'000'000 +
                                      static_cast<uint64_t>(used.tv_nsec);
            }
            self->set_state(State::kEnded);
        }
    } unpublish{this};
    pthread_setname_np(pthread_self(), fmt::format("vcpu{}", vcpu_.id()).c_str());
    // A stop() that raced with start() set immediate_exit before we published the handle.
    while (!stopping_) {
        if (pause_requested_) {
            if (!settle_for_pause())
                return;
            park();
            continue;
        }
        auto entered = std::chrono::steady_clock::now();
        auto exit = vcpu_.run();
        counters_.add_run_time(
            static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::steady_clock::now() - entered)
                                      .count()));
        if (!exit) {
            on_exit_(VmExit{VmExitKind::Error, exit.error().message()});
            return;
        }
        counters_.count(*exit);
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
