// MADT contents.
#include "arch/x86_64/acpi/madt.hpp"

#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64::acpi {

std::vector<uint8_t> build_madt(const AcpiConfig& config) {
    std::vector<uint8_t> table;
    MadtFixed fixed{};
    fixed.header = make_header("APIC", kMadtRevision);
    fixed.local_apic_address = static_cast<uint32_t>(kLapicAddress);
    append_bytes(table, fixed);

    for (uint32_t cpu = 0; cpu < config.vcpu_count; ++cpu) {
        append_bytes(table, MadtLocalApic{
                                .type = MadtEntryType::kLocalApic,
                                .length = sizeof(MadtLocalApic),
                                .processor_uid = static_cast<uint8_t>(cpu),
                                .apic_id = static_cast<uint8_t>(cpu),
                                .flags = kLocalApicEnabled,
                            });
    }
    append_bytes(table, MadtIoApic{
                            .type = MadtEntryType::kIoApic,
                            .length = sizeof(MadtIoApic),
                            .io_apic_id = static_cast<uint8_t>(config.vcpu_count),
                            .reserved = 0,
                            .address = static_cast<uint32_t>(kIoApicAddress),
                            .gsi_base = 0,
                        });
    // LINT1 of every CPU carries NMIs; flags 0: the bus's default polarity and trigger.
    append_bytes(table, MadtLocalApicNmi{
                            .type = MadtEntryType::kLocalApicNmi,
                            .length = sizeof(MadtLocalApicNmi),
                            .processor_uid = kAllProcessors,
                            .flags = 0,
                            .lint = 1,
                        });
    finish_table(table);
    return table;
}

}  // namespace zapotec::x86_64::acpi
