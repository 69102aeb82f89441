#include "kvm/kvm.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <memory>

#include "kvm/vm.hpp"

namespace zapotec::kvm {

namespace {

struct RequiredCapability {
    int id;
    const char* name;
};

constexpr RequiredCapability kRequiredCapabilities[] = {
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_HLT, "KVM_CAP_HLT"},
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_IRQFD, "KVM_CAP_IRQFD"},
    {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD"},
    {KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING"},
    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
};

}  // namespace

Result<Kvm> Kvm::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int code = errno;
        if (code == ENOENT) {
            return std::unexpected(Error(
                fmt::format("{} does not exist: load the kvm_intel or kvm_amd module, and enable "
                            "VT-x/AMD-V in the firmware (or nested virtualization on a cloud VM)",
                            path),
                code));
        }
        if (code == EACCES || code == EPERM) {
            return std::unexpected(Error(
                fmt::format("no permission to open {}: run as root or add yourself to the kvm "
                            "group",
                            path),
                code));
        }
        return std::unexpected(Error::from_code(code, "open " + path));
    }
    UniqueFd kvm_fd(fd);
    int version = ::ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        return make_error("{} speaks KVM API version {}, Zapotec needs {}", path, version,
                          KVM_API_VERSION);
    }
    for (const auto& capability : kRequiredCapabilities) {
        if (::ioctl(fd, KVM_CHECK_EXTENSION, capability.id) <= 0) {
            return make_error("this host's KVM lacks {}, which Zapotec needs", capability.name);
        }
    }
    int mmap_size = ::ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (mmap_size <= 0)
        return errno_error("KVM_GET_VCPU_MMAP_SIZE");
    return Kvm(std::move(kvm_fd), static_cast<size_t>(mmap_size));
}

int Kvm::check_extension(int capability) const {
    int value = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, capability);
    return value < 0 ? 0 : value;
}

int Kvm::max_vcpus() const {
    int max = check_extension(KVM_CAP_MAX_VCPUS);
    if (max <= 0)
        max = check_extension(KVM_CAP_NR_VCPUS);
    return max <= 0 ? 4 : max;
}

Result<std::vector<kvm_cpuid_entry2>> Kvm::supported_cpuid() const {
    constexpr size_t kMaxEntries = 256;
    auto storage =
        std::make_unique<uint8_t[]>(sizeof(kvm_cpuid2) + kMaxEntries * sizeof(kvm_cpuid_entry2));
    auto* cpuid = reinterpret_cast<kvm_cpuid2*>(storage.get());
    cpuid->nent = kMaxEntries;
    if (::ioctl(fd_.get(), KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
        return errno_error("KVM_GET_SUPPORTED_CPUID");
    }
    return std::vector<kvm_cpuid_entry2>(cpuid->entries, cpuid->entries + cpuid->nent);
}

Result<Vm> Kvm::create_vm() const {
    int fd = ::ioctl(fd_.get(), KVM_CREATE_VM, 0);
    if (fd < 0)
        return errno_error("KVM_CREATE_VM");
    return Vm(UniqueFd(fd), vcpu_mmap_size_);
}

bool host_is_pvm() {
    return ::access("/sys/module/kvm_pvm", F_OK) == 0;
}

}  // namespace zapotec::kvm
