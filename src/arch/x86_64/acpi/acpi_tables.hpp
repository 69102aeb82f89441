// Writes the guest's ACPI tables: the RSDP at kRsdpAddress, then the DSDT, FADT, MADT and
// the XSDT listing them, all inside [kAcpiTablesStart, kAcpiTablesEnd).
#pragma once

#include "arch/x86_64/acpi/acpi_config.hpp"
#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::x86_64::acpi {

// Tables start on this boundary inside the ACPI area.
inline constexpr uint64_t kTableAlignment = 16;

// Returns the RSDP's address, for boot_params.acpi_rsdp_addr and hvm_start_info.rsdp_paddr.
[[nodiscard]] Result<GuestAddress> write_acpi_tables(const GuestMemory& memory,
                                                     const AcpiConfig& config);

}  // namespace zapotec::x86_64::acpi
