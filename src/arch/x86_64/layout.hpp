// The x86_64 guest-physical memory map that every Zapotec guest sees.
#pragma once

#include <cstdint>

namespace zapotec::x86_64 {

// Low memory: real-mode structures and boot data, all below 1 MiB.
inline constexpr uint64_t kGdtAddress = 0x500;
inline constexpr uint64_t kIdtAddress = 0x520;
inline constexpr uint64_t kPvhStartInfoAddress = 0x6000;
inline constexpr uint64_t kZeroPageAddress = 0x7000;  // Linux boot_params.
inline constexpr uint64_t kBootStackPointer = 0x8ff0;
inline constexpr uint64_t kPml4Address = 0x9000;
inline constexpr uint64_t kPdptAddress = 0xa000;
inline constexpr uint64_t kPdAddress = 0xb000;
inline constexpr uint64_t kCmdlineAddress = 0x20000;
inline constexpr uint64_t kCmdlineMaxSize = 0x10000;
inline constexpr uint64_t kEbdaStart = 0x9fc00;  // End of usable low RAM.
// ACPI tables live in the BIOS area, where Linux also scans for the RSDP.
inline constexpr uint64_t kAcpiTablesStart = 0xe0000;
inline constexpr uint64_t kAcpiTablesEnd = 0x100000;
inline constexpr uint64_t kRsdpAddress = kAcpiTablesStart;

// The kernel's protected-mode code (bzImage) is loaded at 1 MiB.
inline constexpr uint64_t kHighMemoryStart = 0x100000;

// The 32-bit MMIO hole: guest RAM stops at 3 GiB and resumes at 4 GiB.
inline constexpr uint64_t kMmioHoleStart = 0xc000'0000;
inline constexpr uint64_t kMmioHoleEnd = 0x1'0000'0000;
// PCI BARs are allocated from this window inside the hole.
inline constexpr uint64_t kPciMmioStart = 0xc000'0000;
inline constexpr uint64_t kPciMmioEnd = 0xe000'0000;
inline constexpr uint64_t kIoApicAddress = 0xfec0'0000;
inline constexpr uint64_t kLapicAddress = 0xfee0'0000;
// KVM needs three pages for the TSS and one for the identity map on Intel hosts.
inline constexpr uint64_t kKvmTssAddress = 0xfffb'd000;
inline constexpr uint64_t kKvmIdentityMapAddress = 0xfffb'c000;

// I/O ports.
inline constexpr uint16_t kCom1Port = 0x3f8;
inline constexpr uint16_t kI8042Port = 0x60;              // 0x60 data, 0x64 command/status.
inline constexpr uint16_t kCmosPort = 0x70;               // 0x70 index, 0x71 data.
inline constexpr uint16_t kPciConfigAddressPort = 0xcf8;  // 0xcf8 address, 0xcfc data.
// HW-reduced ACPI sleep control/status and reset registers (see acpi tables).
inline constexpr uint16_t kAcpiSleepControlPort = 0x600;
inline constexpr uint16_t kAcpiSleepStatusPort = 0x601;
inline constexpr uint16_t kAcpiResetPort = 0x602;
inline constexpr uint8_t kAcpiResetValue = 0x1;
// The boot-timer / marker port: a guest write here is logged with its time.
inline constexpr uint16_t kBootMarkerPort = 0x3f0;

// Interrupt lines on the IOAPIC.
inline constexpr uint32_t kCom1Irq = 4;
inline constexpr uint32_t kAcpiSciIrq = 9;
inline constexpr uint32_t kIoApicPins = 24;
// MSI routes are given GSIs from here on.
inline constexpr uint32_t kFirstMsiGsi = 24;

}  // namespace zapotec::x86_64
