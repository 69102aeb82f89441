#include "vmm/boot_setup.hpp"

#include "arch/x86_64/acpi/acpi_tables.hpp"
#include "arch/x86_64/boot_params.hpp"
#include "arch/x86_64/e820.hpp"
#include "arch/x86_64/gdt.hpp"
#include "arch/x86_64/layout.hpp"
#include "arch/x86_64/page_tables.hpp"
#include "arch/x86_64/regs.hpp"
#include "arch/x86_64/reset_vector.hpp"
#include "base/log.hpp"
#include "kvm/kvm.hpp"
#include "loader/cmdline.hpp"
#include "loader/file_bytes.hpp"
#include "loader/initrd.hpp"
#include "loader/kernel_loader.hpp"

namespace zapotec {

namespace {
constexpr uint64_t kMaxKernelBytes = 512ull << 20;
}  // namespace

Result<> check_kernel_runs_here(const std::string& kernel_path) {
    if (!kvm::host_is_pvm())
        return {};
    auto bytes = TRY(read_whole_file(kernel_path, kMaxKernelBytes));
    if (detect_kernel_format(bytes) != KernelFormat::kBzImage)
        return {};
    auto parsed = parse_kernel_image(bytes);
    std::string version = parsed ? parsed->image.version : "";
    if (version.find("pvm") != std::string::npos)
        return {};
    return make_error(
        "{}: this host's /dev/kvm is kvm_pvm (PVM: no VT-x/AMD-V), which runs only PVM-aware "
        "guest kernels, and this stock Linux kernel{} is not one; run it on a host with "
        "hardware virtualization, or in the nested lab (tools/guest/run-default.sh)",
        kernel_path, version.empty() ? "" : " (" + version.substr(0, version.find(' ')) + ")");
}

Result<BootEntry> load_boot_image(const GuestMemory& memory, const VmConfig& config) {
    using namespace x86_64;
    const auto& boot = config.boot_source;
    KernelImage kernel = TRY(load_kernel(memory, boot.kernel_image_path));
    spdlog::info("kernel {}: {}", boot.kernel_image_path,
                 kernel.version.empty() ? "ELF (PVH entry)" : kernel.version);

    std::optional<InitrdPlacement> initrd;
    if (boot.initrd_path)
        initrd = TRY(load_initrd(memory, *boot.initrd_path, kernel));

    KernelCmdline cmdline;
    TRY(cmdline.append(boot.boot_args));
    CmdlinePlacement cmdline_placement = TRY(write_cmdline(memory, cmdline.str(), kernel));

    auto e820 = TRY(build_e820(memory));
    acpi::AcpiConfig acpi_config;
    acpi_config.vcpu_count = config.machine.vcpu_count;
    GuestAddress rsdp = TRY(acpi::write_acpi_tables(memory, acpi_config));
    TRY(write_reset_vector_stub(memory));

    BootEntry entry;
    entry.format = kernel.format;
    if (kernel.format == KernelFormat::kBzImage) {
        TRY(write_linux_boot_params(memory, kernel, cmdline_placement, initrd, e820, rsdp));
        TRY(write_boot_gdt(memory, CpuMode::Long64));
        TRY(write_identity_page_tables(memory));
        entry.regs = linux64_boot_regs(kernel.entry.value, kZeroPageAddress);
    } else {
        TRY(write_pvh_start_info(memory, cmdline_placement, initrd, e820, rsdp));
        TRY(write_boot_gdt(memory, CpuMode::Protected32));
        entry.regs = pvh_boot_regs(kernel.entry.value, kPvhStartInfoAddress);
    }
    return entry;
}

void setup_boot_sregs(const BootEntry& entry, kvm_sregs& sregs) {
    if (entry.format == KernelFormat::kBzImage) {
        x86_64::setup_long_mode_sregs(sregs);
    } else {
        x86_64::setup_pvh_sregs(sregs);
    }
}

}  // namespace zapotec
