// /dev/kvm: the root of the ownership chain Kvm -> Vm -> Vcpu.
#pragma once

#include "arch/x86_64/kvm_uapi.hpp"

#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace zapotec::kvm {

class Vm;

class Kvm {
  public:
    // Opens /dev/kvm and checks the API version and the capabilities Zapotec needs; every
    // failure is one line that says what is missing and what to do about it.
    [[nodiscard]] static Result<Kvm> open(const std::string& path = "/dev/kvm");

    // KVM_CHECK_EXTENSION: 0 when absent, otherwise a capability-specific value.
    int check_extension(int capability) const;
    [[nodiscard]] Result<std::vector<kvm_cpuid_entry2>> supported_cpuid() const;
    [[nodiscard]] Result<Vm> create_vm() const;

    // The most vCPUs one VM may have on this host.
    int max_vcpus() const;
    size_t vcpu_mmap_size() const { return vcpu_mmap_size_; }
    int fd() const { return fd_.get(); }

  private:
    Kvm(UniqueFd fd, size_t vcpu_mmap_size) : fd_(std::move(fd)), vcpu_mmap_size_(vcpu_mmap_size) {}
    UniqueFd fd_;
    size_t vcpu_mmap_size_ = 0;
};

// True when /dev/kvm is the PVM software hypervisor (kvm_pvm), which runs only
// PVM-aware guest kernels.
bool host_is_pvm();

}  // namespace zapotec::kvm
