// A KVM vCPU: register state accessors and KVM_RUN.
#pragma once

#include "arch/x86_64/kvm_uapi.hpp"

#include <atomic>
#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "kvm/vcpu_exit.hpp"

namespace zapotec::kvm {

class Vcpu {
  public:
    [[nodiscard]] static Result<Vcpu> create(UniqueFd fd, uint32_t id, size_t mmap_size);
    ~Vcpu();
    Vcpu(Vcpu&& other) noexcept;
    Vcpu& operator=(Vcpu&&) = delete;
    Vcpu(const Vcpu&) = delete;
    Vcpu& operator=(const Vcpu&) = delete;

    uint32_t id() const { return id_; }

    [[nodiscard]] Result<kvm_regs> get_regs() const;
    [[nodiscard]] Result<> set_regs(const kvm_regs& regs) const;
    [[nodiscard]] Result<kvm_sregs> get_sregs() const;
    [[nodiscard]] Result<> set_sregs(const kvm_sregs& sregs) const;
    [[nodiscard]] Result<> set_fpu(const kvm_fpu& fpu) const;
    [[nodiscard]] Result<> set_msrs(const std::vector<kvm_msr_entry>& entries) const;
    [[nodiscard]] Result<> set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const;
    [[nodiscard]] Result<kvm_lapic_state> get_lapic() const;
    [[nodiscard]] Result<> set_lapic(const kvm_lapic_state& lapic) const;
    // Tells a guest with kvmclock that the host stopped it (KVM_KVMCLOCK_CTRL), so its
    // watchdogs do not report soft lockups after a pause. EINVAL: the guest has no kvmclock.
    [[nodiscard]] Result<> kvmclock_ctrl() const;

    // Enters the guest until the next exit. The returned spans point into kvm_run and stay
    // valid until the next run().
    [[nodiscard]] Result<VcpuExit> run();
    // Makes the next (or current, once signalled) KVM_RUN return at once; async-signal-safe.
    void set_immediate_exit(bool value) const {
        std::atomic_ref<uint8_t>(run_->immediate_exit).store(value ? 1 : 0);
    }

  private:
    Vcpu(UniqueFd fd, uint32_t id, kvm_run* run, size_t mmap_size)
        : fd_(std::move(fd)), id_(id), run_(run), mmap_size_(mmap_size) {}
    VcpuExit decode_exit();

    UniqueFd fd_;
    uint32_t id_ = 0;
    kvm_run* run_ = nullptr;
    size_t mmap_size_ = 0;
};

}  // namespace zapotec::kvm
