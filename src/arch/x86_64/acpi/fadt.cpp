// FADT contents: hardware-reduced ACPI with the reset and sleep registers on I/O ports.
#include "arch/x86_64/acpi/fadt.hpp"

#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64::acpi {

std::vector<uint8_t> build_fadt(const AcpiConfig& config, uint64_t dsdt_address) {
    Fadt fadt{};
    fadt.header = make_header("FACP", kFadtRevision);
    // Linux ignores the SCI on hardware-reduced platforms; the line is named for tools.
    fadt.sci_int = static_cast<uint16_t>(kAcpiSciIrq);
    // Neither a PIT nor a PIC is used; no VGA; MSI works.
    fadt.iapc_boot_arch = kBootArchVgaNotPresent;
    if (config.i8042_present)
        fadt.iapc_boot_arch |= kBootArch8042;
    if (!config.rtc_present)
        fadt.iapc_boot_arch |= kBootArchNoCmosRtc;
    fadt.flags = kFadtHwReducedAcpi | kFadtResetRegSupported;
    fadt.reset_reg = io_port_byte(kAcpiResetPort);
    fadt.reset_value = kAcpiResetValue;
    fadt.minor_version = kFadtMinorVersion;
    fadt.x_dsdt = dsdt_address;
    // Power-off writes (SLP_TYP << 2) | SLP_EN to the control register (see \_S5 in the DSDT).
    fadt.sleep_control_reg = io_port_byte(kAcpiSleepControlPort);
    fadt.sleep_status_reg = io_port_byte(kAcpiSleepStatusPort);
    std::memcpy(fadt.hypervisor_vendor_id, "ZAPOTEC ", sizeof(fadt.hypervisor_vendor_id));

    std::vector<uint8_t> table;
    append_bytes(table, fadt);
    finish_table(table);
    return table;
}

}  // namespace zapotec::x86_64::acpi
