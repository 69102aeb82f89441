// The MADT (Multiple APIC Description Table): one local APIC per vCPU, one IOAPIC and the
// LINT1 NMI wiring. Linux's cloud kernel finds its CPUs only here (no MP table support).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "arch/x86_64/acpi/acpi_config.hpp"
#include "arch/x86_64/acpi/sdt.hpp"

namespace zapotec::x86_64::acpi {

enum class MadtEntryType : uint8_t {
    kLocalApic = 0,
    kIoApic = 1,
    kLocalApicNmi = 4,
};

#pragma pack(push, 1)
struct MadtFixed {
    SdtHeader header;
    uint32_t local_apic_address;
    uint32_t flags;  // PCAT_COMPAT (bit 0) clear: there is no 8259 PIC.
};

struct MadtLocalApic {
    MadtEntryType type;
    uint8_t length;
    uint8_t processor_uid;
    uint8_t apic_id;
    uint32_t flags;
};

struct MadtIoApic {
    MadtEntryType type;
    uint8_t length;
    uint8_t io_apic_id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;
};

struct MadtLocalApicNmi {
    MadtEntryType type;
    uint8_t length;
    uint8_t processor_uid;
    uint16_t flags;
    uint8_t lint;
};
#pragma pack(pop)
static_assert(sizeof(MadtFixed) == 44);
static_assert(sizeof(MadtLocalApic) == 8);
static_assert(sizeof(MadtIoApic) == 12);
static_assert(offsetof(MadtIoApic, address) == 4);
static_assert(sizeof(MadtLocalApicNmi) == 6);

inline constexpr uint8_t kMadtRevision = 5;
inline constexpr uint32_t kLocalApicEnabled = 1;
inline constexpr uint8_t kAllProcessors = 0xff;

// The finished table for config.vcpu_count vCPUs (1 to kMaxVcpus, checked by the caller).
[[nodiscard]] std::vector<uint8_t> build_madt(const AcpiConfig& config);

}  // namespace zapotec::x86_64::acpi
