// DSDT contents. Linux binds its PCI root, 8250 and i8042 drivers to these devices.
#include "arch/x86_64/acpi/dsdt.hpp"

#include "arch/x86_64/acpi/aml.hpp"
#include "arch/x86_64/acpi/resource_template.hpp"
#include "arch/x86_64/acpi/sdt.hpp"
#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64::acpi {

namespace {

using namespace aml;

constexpr uint16_t kPciConfigPortsLength = 8;  // 0xcf8 address and 0xcfc data.

// The host bridge: bus 0 only; all I/O ports but its own configuration ports, and the
// 32-bit (plus an optional 64-bit) MMIO window for BARs.
Bytes pci_host_bridge(const AcpiConfig& config) {
    ResourceTemplate resources;
    resources.word_bus_number(0, 0)
        .io(kPciConfigAddressPort, kPciConfigAddressPort, 1, kPciConfigPortsLength)
        .word_io(0x0000, kPciConfigAddressPort - 1)
        .word_io(kPciConfigAddressPort + kPciConfigPortsLength, 0xffff)
        .dword_memory(static_cast<uint32_t>(kPciMmioStart), static_cast<uint32_t>(kPciMmioEnd - 1));
    if (config.pci_mmio64 && config.pci_mmio64->size != 0) {
        resources.qword_memory(config.pci_mmio64->start,
                               config.pci_mmio64->start + config.pci_mmio64->size - 1);
    }
    return device("PCI0", {
                              name("_HID", dword(eisa_id("PNP0A08"))),
                              name("_CID", dword(eisa_id("PNP0A03"))),
                              name("_ADR", integer(0)),
                              name("_SEG", integer(0)),
                              name("_UID", integer(0)),
                              name("_BBN", integer(0)),
                              name("_CRS", resources.build()),
                          });
}

Bytes com1() {
    ResourceTemplate resources;
    resources.io(kCom1Port, kCom1Port, 0, 8).irq_no_flags(static_cast<uint8_t>(kCom1Irq));
    return device("COM1", {
                              name("_HID", dword(eisa_id("PNP0501"))),
                              name("_UID", integer(1)),
                              name("_CRS", resources.build()),
                          });
}

// Only the keyboard port: without a PS/2 mouse device Linux's i8042 skips the AUX port.
Bytes ps2_keyboard() {
    constexpr uint16_t kCommandPort = kI8042Port + 4;
    constexpr uint8_t kKeyboardIrq = 1;
    ResourceTemplate resources;
    resources.io(kI8042Port, kI8042Port, 0, 1)
        .io(kCommandPort, kCommandPort, 0, 1)
        .irq_no_flags(kKeyboardIrq);
    return device("PS2K", {
                              name("_HID", dword(eisa_id("PNP0303"))),
                              name("_CRS", resources.build()),
                          });
}

}  // namespace

std::vector<uint8_t> build_dsdt(const AcpiConfig& config) {
    std::vector<uint8_t> table;
    append_bytes(table, make_header("DSDT", kDsdtRevision));
    // The DSDT's terms live in the root scope, so "_SB" is \_SB and "_S5" is \_S5; iasl
    // drops the root prefix in the same way, and then compiles its disassembly back to
    // exactly these bytes.
    std::vector<Bytes> devices{pci_host_bridge(config), com1()};
    if (config.i8042_present)
        devices.push_back(ps2_keyboard());
    Bytes system_bus = scope("_SB", devices);
    table.insert(table.end(), system_bus.begin(), system_bus.end());
    // \_S5: SLP_TYPa, SLP_TYPb and two reserved values.
    Bytes s5 = name("_S5", package({integer(kS5SleepType), integer(0), integer(0), integer(0)}));
    table.insert(table.end(), s5.begin(), s5.end());
    finish_table(table);
    return table;
}

}  // namespace zapotec::x86_64::acpi
