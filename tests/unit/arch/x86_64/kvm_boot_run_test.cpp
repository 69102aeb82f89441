// Runs a few guest instructions on the real KVM from the boot state built here: the GDT,
// page tables and registers of Linux's 64-bit entry, and those of the PVH entry. Each test
// skips, saying why, where /dev/kvm is not usable.
#include "arch/x86_64/kvm_uapi.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "arch/x86_64/fpu.hpp"
#include "arch/x86_64/gdt.hpp"
#include "arch/x86_64/layout.hpp"
#include "arch/x86_64/msr.hpp"
#include "arch/x86_64/page_tables.hpp"
#include "arch/x86_64/regs.hpp"
#include "base/unique_fd.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::x86_64 {
namespace {

constexpr uint64_t kMemorySize = 4ull << 20;
constexpr uint64_t kCodeAddress = kHighMemoryStart;
constexpr uint64_t kZeroPageValue = 0x0123'4567'89ab'cdef;
constexpr uint32_t kPvhMagic = 0x336e'c578;  // XEN_HVM_START_MAGIC_VALUE.

// mov rax, [rsi]; mov dx, kBootMarkerPort; out dx, al; hlt. Only 64-bit mode loads all of
// RAX: in 32-bit mode 0x48 would be `dec eax`.
const std::vector<uint8_t> kLong64Code{0x48, 0x8b, 0x06, 0x66, 0xba, 0xf0, 0x03, 0xee, 0xf4};
// mov eax, [ebx]; mov dx, kBootMarkerPort; out dx, al; hlt.
const std::vector<uint8_t> kProtected32Code{0x8b, 0x03, 0x66, 0xba, 0xf0, 0x03, 0xee, 0xf4};

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

struct RunMapping {
    void* address = MAP_FAILED;
    std::size_t size = 0;
    ~RunMapping() {
        if (address != MAP_FAILED)
            ::munmap(address, size);
    }
    kvm_run* run() const { return static_cast<kvm_run*>(address); }
};

// One VM with one vCPU and kMemorySize of RAM at 0, or the reason there is none.
class TestVm {
  public:
    UniqueFd kvm, vm, vcpu;
    std::optional<GuestMemory> memory;
    RunMapping run;
    std::string why_not;

    TestVm() { why_not = set_up(); }
    bool ready() const { return why_not.empty(); }

  private:
    // The reason the VM cannot be had, or empty.
    std::string set_up() {
        kvm = UniqueFd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
        if (!kvm)
            return errno_text("open /dev/kvm");
        vm = UniqueFd(::ioctl(kvm.get(), KVM_CREATE_VM, 0));
        if (!vm)
            return errno_text("KVM_CREATE_VM");
        auto created = GuestMemory::create({{GuestAddress(0), kMemorySize}});
        if (!created)
            return created.error().message();
        memory.emplace(std::move(*created));
        kvm_userspace_memory_region region{};
        region.memory_size = kMemorySize;
        region.userspace_addr = reinterpret_cast<uint64_t>(memory->regions()[0].host_address());
        if (::ioctl(vm.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
            return errno_text("KVM_SET_USER_MEMORY_REGION");
        vcpu = UniqueFd(::ioctl(vm.get(), KVM_CREATE_VCPU, 0));
        if (!vcpu)
            return errno_text("KVM_CREATE_VCPU");
        const int run_size = ::ioctl(kvm.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
        if (run_size <= 0)
            return errno_text("KVM_GET_VCPU_MMAP_SIZE");
        run.size = static_cast<std::size_t>(run_size);
        run.address = ::mmap(nullptr, run.size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu.get(), 0);
        if (run.address == MAP_FAILED)
            return errno_text("mmap kvm_run");
        return {};
    }
};

// Runs until the first exit that is not a signal and checks it is the marker-port write.
void expect_marker_exit(TestVm& vm, uint8_t expected) {
    int result = 0;
    do {
        result = ::ioctl(vm.vcpu.get(), KVM_RUN, 0);
    } while (result < 0 && errno == EINTR);
    ASSERT_EQ(result, 0) << errno_text("KVM_RUN");
    const kvm_run* run = vm.run.run();
    ASSERT_EQ(run->exit_reason, static_cast<uint32_t>(KVM_EXIT_IO))
        << "exit " << run->exit_reason << " (internal error suberror " << run->internal.suberror
        << ")";
    EXPECT_EQ(run->io.direction, KVM_EXIT_IO_OUT);
    EXPECT_EQ(run->io.port, kBootMarkerPort);
    EXPECT_EQ(run->io.size, 1);
    EXPECT_EQ(reinterpret_cast<const uint8_t*>(run)[run->io.data_offset], expected);
}

TEST(KvmBootRun, Linux64EntryRunsInLongModeWithIdentityPaging) {
    TestVm vm;
    if (!vm.ready())
        GTEST_SKIP() << vm.why_not;
    const GuestMemory& memory = *vm.memory;
    ASSERT_TRUE(write_boot_gdt(memory, CpuMode::Long64).has_value());
    ASSERT_TRUE(write_identity_page_tables(memory).has_value());
    ASSERT_TRUE(memory.write(GuestAddress(kCodeAddress), kLong64Code).has_value());
    ASSERT_TRUE(memory.write_obj(GuestAddress(kZeroPageAddress), kZeroPageValue).has_value());

    auto msrs = KvmMsrs::from_entries(boot_msrs());
    ASSERT_TRUE(msrs.has_value());
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_SET_MSRS, msrs->get()), static_cast<int>(msrs->size()));
    kvm_sregs sregs{};
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_GET_SREGS, &sregs), 0);
    setup_long_mode_sregs(sregs);
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_SET_SREGS, &sregs), 0) << errno_text("KVM_SET_SREGS");
    const kvm_fpu fpu = boot_fpu();
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_SET_FPU, &fpu), 0);
    const kvm_regs regs = linux64_boot_regs(kCodeAddress, kZeroPageAddress);
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_SET_REGS, &regs), 0);

    expect_marker_exit(vm, static_cast<uint8_t>(kZeroPageValue));
    kvm_regs after{};
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_GET_REGS, &after), 0);
    EXPECT_EQ(after.rax, kZeroPageValue);
    EXPECT_EQ(after.rsi, kZeroPageAddress);
    EXPECT_EQ(after.rsp, kBootStackPointer);
}

TEST(KvmBootRun, PvhEntryRunsInFlatProtectedMode) {
    TestVm vm;
    if (!vm.ready())
        GTEST_SKIP() << vm.why_not;
    const GuestMemory& memory = *vm.memory;
    ASSERT_TRUE(write_boot_gdt(memory, CpuMode::Protected32).has_value());
    ASSERT_TRUE(memory.write(GuestAddress(kCodeAddress), kProtected32Code).has_value());
    ASSERT_TRUE(memory.write_obj(GuestAddress(kPvhStartInfoAddress), kPvhMagic).has_value());

    kvm_sregs sregs{};
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_GET_SREGS, &sregs), 0);
    setup_pvh_sregs(sregs);
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_SET_SREGS, &sregs), 0) << errno_text("KVM_SET_SREGS");
    const kvm_regs regs = pvh_boot_regs(kCodeAddress, kPvhStartInfoAddress);
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_SET_REGS, &regs), 0);

    expect_marker_exit(vm, static_cast<uint8_t>(kPvhMagic));
    kvm_regs after{};
    ASSERT_EQ(::ioctl(vm.vcpu.get(), KVM_GET_REGS, &after), 0);
    EXPECT_EQ(after.rax, kPvhMagic);
    EXPECT_EQ(after.rbx, kPvhStartInfoAddress);
}

}  // namespace
}  // namespace zapotec::x86_64
