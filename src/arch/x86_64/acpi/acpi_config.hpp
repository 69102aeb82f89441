// What the ACPI tables describe: the vCPUs and which legacy devices the VMM emulates.
#pragma once

#include <cstdint>
#include <optional>

namespace zapotec::x86_64::acpi {

// A PCI memory window [start, start + size) routed to the host bridge.
struct PciMmioWindow {
    uint64_t start = 0;
    uint64_t size = 0;
};

struct AcpiConfig {
    // One MADT Processor Local APIC entry per vCPU, APIC id = index; 1 to kMaxVcpus.
    uint32_t vcpu_count = 1;
    // Clear only when no CMOS RTC is emulated at kCmosPort: then the FADT says NO_CMOS_RTC.
    bool rtc_present = true;
    // The i8042 at 0x60/0x64: the FADT 8042 flag and the \_SB.PS2K device.
    bool i8042_present = true;
    // A 64-bit window for PCI BARs above RAM, added to the host bridge's _CRS when set.
    std::optional<PciMmioWindow> pci_mmio64;
};

// APIC id 0xff is the broadcast id, and the IOAPIC takes id vcpu_count.
inline constexpr uint32_t kMaxVcpus = 254;

}  // namespace zapotec::x86_64::acpi
