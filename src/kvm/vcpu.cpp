#include "kvm/vcpu.hpp"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <utility>

namespace zapotec::kvm {

Result<Vcpu> Vcpu::create(UniqueFd fd, uint32_t id, size_t mmap_size) {
    void* run = ::mmap(nullptr, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (run == MAP_FAILED)
        return errno_error(fmt::format("mmap kvm_run of vCPU {}", id));
    return Vcpu(std::move(fd), id, static_cast<kvm_run*>(run), mmap_size);
}

Vcpu::~Vcpu() {
    if (run_)
        ::munmap(run_, mmap_size_);
}

Vcpu::Vcpu(Vcpu&& other) noexcept
    : fd_(std::move(other.fd_)),
      id_(other.id_),
      run_(std::exchange(other.run_, nullptr)),
      mmap_size_(other.mmap_size_) {}

namespace {
template <class T>
Result<T> get_state(int fd, unsigned long request, const char* name) {
    T value{};
    if (::ioctl(fd, request, &value) < 0)
        return errno_error(name);
    return value;
}
template <class T>
Result<> set_state(int fd, unsigned long request, const T& value, const char* name) {
    if (::ioctl(fd, request, &value) < 0)
        return errno_error(name);
    return {};
}
}  // namespace

Result<kvm_regs> Vcpu::get_regs() const {
    return get_state<kvm_regs>(fd_.get(), KVM_GET_REGS, "KVM_GET_REGS");
}
Result<> Vcpu::set_regs(const kvm_regs& regs) const {
    return set_state(fd_.get(), KVM_SET_REGS, regs, "KVM_SET_REGS");
}
Result<kvm_sregs> Vcpu::get_sregs() const {
    return get_state<kvm_sregs>(fd_.get(), KVM_GET_SREGS, "KVM_GET_SREGS");
}
Result<> Vcpu::set_sregs(const kvm_sregs& sregs) const {
    return set_state(fd_.get(), KVM_SET_SREGS, sregs, "KVM_SET_SREGS");
}
Result<> Vcpu::set_fpu(const kvm_fpu& fpu) const {
    return set_state(fd_.get(), KVM_SET_FPU, fpu, "KVM_SET_FPU");
}
Result<kvm_lapic_state> Vcpu::get_lapic() const {
    return get_state<kvm_lapic_state>(fd_.get(), KVM_GET_LAPIC, "KVM_GET_LAPIC");
}
Result<> Vcpu::set_lapic(const kvm_lapic_state& lapic) const {
    return set_state(fd_.get(), KVM_SET_LAPIC, lapic, "KVM_SET_LAPIC");
}

Result<> Vcpu::kvmclock_ctrl() const {
    if (::ioctl(fd_.get(), KVM_KVMCLOCK_CTRL, 0) < 0)
        return errno_error("KVM_KVMCLOCK_CTRL");
    return {};
}

Result<> Vcpu::set_msrs(const std::vector<kvm_msr_entry>& entries) const {
    size_t bytes = sizeof(kvm_msrs) + entries.size() * sizeof(kvm_msr_entry);
    auto storage = std::make_unique<uint8_t[]>(bytes);
    std::memset(storage.get(), 0, bytes);
    auto* msrs = reinterpret_cast<kvm_msrs*>(storage.get());
    msrs->nmsrs = static_cast<uint32_t>(entries.size());
    std::memcpy(msrs->entries, entries.data(), entries.size() * sizeof(kvm_msr_entry));
    int written = ::ioctl(fd_.get(), KVM_SET_MSRS, msrs);
    if (written < 0)
        return errno_error("KVM_SET_MSRS");
    if (static_cast<size_t>(written) != entries.size()) {
        return make_error("KVM_SET_MSRS set {} of {} MSRs; MSR {:#x} was refused", written,
                          entries.size(), entries[static_cast<size_t>(written)].index);
    }
    return {};
}

Result<> Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const {
    size_t bytes = sizeof(kvm_cpuid2) + entries.size() * sizeof(kvm_cpuid_entry2);
    auto storage = std::make_unique<uint8_t[]>(bytes);
    std::memset(storage.get(), 0, bytes);
    auto* cpuid = reinterpret_cast<kvm_cpuid2*>(storage.get());
    cpuid->nent = static_cast<uint32_t>(entries.size());
    std::memcpy(cpuid->entries, entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
    if (::ioctl(fd_.get(), KVM_SET_CPUID2, cpuid) < 0)
        return errno_error("KVM_SET_CPUID2");
    return {};
}

Result<VcpuExit> Vcpu::run() {
    if (::ioctl(fd_.get(), KVM_RUN, 0) < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            set_immediate_exit(false);
            return exit::Interrupted{};
        }
        return errno_error(fmt::format("KVM_RUN on vCPU {}", id_));
    }
    return decode_exit();
}

VcpuExit Vcpu::decode_exit() {
    auto* base = reinterpret_cast<uint8_t*>(run_);
    switch (run_->exit_reason) {
        case KVM_EXIT_IO: {
            // String I/O (rep outsb) repeats `count` times; the data area holds all of it.
            size_t length = size_t{run_->io.size} * run_->io.count;
            uint8_t* data = base + run_->io.data_offset;
            if (run_->io.data_offset + length > mmap_size_) {
                return exit::InternalError{0, "KVM_EXIT_IO data outside kvm_run"};
            }
            if (run_->io.direction == KVM_EXIT_IO_OUT) {
                return exit::IoOut{run_->io.port, run_->io.size, {data, length}};
            }
            return exit::IoIn{run_->io.port, run_->io.size, {data, length}};
        }
        case KVM_EXIT_MMIO: {
            size_t length = std::min<size_t>(run_->mmio.len, sizeof(run_->mmio.data));
            if (run_->mmio.is_write) {
                return exit::MmioWrite{run_->mmio.phys_addr, {run_->mmio.data, length}};
            }
            return exit::MmioRead{run_->mmio.phys_addr, {run_->mmio.data, length}};
        }
        case KVM_EXIT_INTR:
            return exit::Interrupted{};
        case KVM_EXIT_HLT:
            return exit::Hlt{};
        case KVM_EXIT_SHUTDOWN:
            return exit::Shutdown{};
        case KVM_EXIT_SYSTEM_EVENT:
            return exit::SystemEvent{run_->system_event.type};
        case KVM_EXIT_FAIL_ENTRY:
            return exit::FailEntry{run_->fail_entry.hardware_entry_failure_reason};
        case KVM_EXIT_INTERNAL_ERROR: {
            std::string details;
            if (run_->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
                (run_->emulation_failure.flags &
                 KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
                details = "instruction bytes:";
                size_t size = std::min<size_t>(run_->emulation_failure.insn_size,
                                               sizeof(run_->emulation_failure.insn_bytes));
                for (size_t i = 0; i < size; ++i) {
                    details += fmt::format(" {:02x}", run_->emulation_failure.insn_bytes[i]);
                }
            } else {
                uint32_t count = std::min<uint32_t>(run_->internal.ndata, 16);
                if (count)
                    details = "data:";
                for (uint32_t i = 0; i < count; ++i) {
                    details += fmt::format(" {:#x}", run_->internal.data[i]);
                }
            }
            return exit::InternalError{run_->internal.suberror, details};
        }
        default:
            return exit::Other{run_->exit_reason};
    }
}

}  // namespace zapotec::kvm
