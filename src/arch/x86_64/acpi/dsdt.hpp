// The DSDT: the PCI host bridge, COM1, the i8042 keyboard controller and the \_S5 sleep
// type, as hand-encoded AML.
#pragma once

#include <cstdint>
#include <vector>

#include "arch/x86_64/acpi/acpi_config.hpp"

namespace zapotec::x86_64::acpi {

inline constexpr uint8_t kDsdtRevision = 2;  // 2 and later: 64-bit AML integers.
// The SLP_TYP value in \_S5; power-off writes (kS5SleepType << 2) | 0x20 to the sleep
// control register.
inline constexpr uint8_t kS5SleepType = 5;

// The finished table (header, AML body, checksum).
[[nodiscard]] std::vector<uint8_t> build_dsdt(const AcpiConfig& config);

}  // namespace zapotec::x86_64::acpi
