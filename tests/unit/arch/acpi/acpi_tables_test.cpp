// The ACPI tables as the guest finds them: linked from the RSDP, checksummed, in the BIOS
// area, describing the vCPUs, the hardware-reduced power registers and the DSDT devices.
#include "arch/x86_64/acpi/acpi_tables.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "../../loader/test_images.hpp"
#include "acpi_test_support.hpp"
#include "arch/x86_64/acpi/fadt.hpp"
#include "arch/x86_64/acpi/madt.hpp"
#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64::acpi {
namespace {

using test::field;

uint8_t byte_sum(std::span<const uint8_t> bytes) {
    return std::accumulate(bytes.begin(), bytes.end(), uint8_t{0});
}

bool contains(const std::vector<uint8_t>& haystack, std::string_view needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
           haystack.end();
}

test::Tables write_and_read(const AcpiConfig& config) {
    auto memory = zapotec::test::make_memory(16 * zapotec::test::kMiB);
    auto rsdp = write_acpi_tables(memory, config);
    EXPECT_TRUE(rsdp.has_value()) << rsdp.error().message();
    EXPECT_EQ(rsdp->value, kRsdpAddress);
    return test::read_tables(memory, *rsdp);
}

TEST(AcpiTables, RsdpPointsAtTheXsdtWithBothChecksums) {
    auto tables = write_and_read(AcpiConfig{});
    EXPECT_EQ(std::memcmp(tables.rsdp.signature, "RSD PTR ", 8), 0);
    EXPECT_EQ(+tables.rsdp.revision, 2);
    EXPECT_EQ(+tables.rsdp.length, 36u);
    EXPECT_EQ(byte_sum(std::span(tables.rsdp_bytes).first(20)), 0);
    EXPECT_EQ(byte_sum(tables.rsdp_bytes), 0);
    EXPECT_EQ(tables.address.at("XSDT"), +tables.rsdp.xsdt_address);
}

TEST(AcpiTables, EveryTableIsChecksummedAndInsideTheAcpiArea) {
    auto tables = write_and_read(AcpiConfig{.vcpu_count = 4});
    for (const char* signature : {"XSDT", "FACP", "APIC", "DSDT"}) {
        ASSERT_TRUE(tables.by_signature.count(signature)) << signature;
        const auto& table = tables.by_signature.at(signature);
        EXPECT_EQ(byte_sum(table), 0) << signature;
        EXPECT_EQ(field<uint32_t>(table, 4), table.size()) << signature;
        uint64_t address = tables.address.at(signature);
        EXPECT_GE(address, kAcpiTablesStart + sizeof(Rsdp)) << signature;
        EXPECT_LE(address + table.size(), kAcpiTablesEnd) << signature;
        EXPECT_EQ(address % kTableAlignment, 0u) << signature;
    }
}

TEST(AcpiTables, XsdtListsFadtAndMadt) {
    auto tables = write_and_read(AcpiConfig{});
    const auto& xsdt = tables.by_signature.at("XSDT");
    ASSERT_EQ(xsdt.size(), sizeof(SdtHeader) + 2 * 8);
    EXPECT_EQ(field<uint64_t>(xsdt, 36), tables.address.at("FACP"));
    EXPECT_EQ(field<uint64_t>(xsdt, 44), tables.address.at("APIC"));
}

TEST(AcpiTables, FadtIsHardwareReducedWithResetAndSleepRegisters) {
    auto tables = write_and_read(AcpiConfig{});
    const auto& bytes = tables.by_signature.at("FACP");
    ASSERT_EQ(bytes.size(), sizeof(Fadt));
    Fadt fadt;
    std::memcpy(&fadt, bytes.data(), sizeof(fadt));
    // Fadt is packed: unary + copies a field before gtest binds a reference to it.
    EXPECT_EQ(+fadt.header.revision, 6);
    EXPECT_EQ(+fadt.x_dsdt, tables.address.at("DSDT"));
    EXPECT_EQ(fadt.flags & kFadtHwReducedAcpi, kFadtHwReducedAcpi);
    EXPECT_EQ(fadt.flags & kFadtResetRegSupported, kFadtResetRegSupported);
    AddressSpace reset_space = fadt.reset_reg.space_id;
    EXPECT_EQ(reset_space, AddressSpace::kSystemIo);
    EXPECT_EQ(+fadt.reset_reg.bit_width, 8);
    EXPECT_EQ(+fadt.reset_reg.address, kAcpiResetPort);
    EXPECT_EQ(+fadt.reset_value, kAcpiResetValue);
    EXPECT_EQ(+fadt.sleep_control_reg.address, kAcpiSleepControlPort);
    EXPECT_EQ(+fadt.sleep_control_reg.bit_width, 8);
    EXPECT_EQ(+fadt.sleep_status_reg.address, kAcpiSleepStatusPort);
    EXPECT_EQ(+fadt.iapc_boot_arch, kBootArch8042 | kBootArchVgaNotPresent);
    EXPECT_EQ(+fadt.minor_version, kFadtMinorVersion);
}

TEST(AcpiTables, FadtFollowsTheLegacyDeviceConfig) {
    auto tables = write_and_read(AcpiConfig{.rtc_present = false, .i8042_present = false});
    uint16_t boot_arch = field<uint16_t>(tables.by_signature.at("FACP"), 109);
    EXPECT_EQ(boot_arch, kBootArchVgaNotPresent | kBootArchNoCmosRtc);
    EXPECT_FALSE(contains(tables.by_signature.at("DSDT"), "PS2K"));
}

TEST(AcpiTables, MadtHasOneLocalApicPerVcpuAnIoApicAndTheNmi) {
    for (uint32_t vcpus : {1u, 2u, 8u, kMaxVcpus}) {
        auto tables = write_and_read(AcpiConfig{.vcpu_count = vcpus});
        const auto& madt = tables.by_signature.at("APIC");
        EXPECT_EQ(field<uint32_t>(madt, 36), kLapicAddress);
        EXPECT_EQ(field<uint32_t>(madt, 40), 0u);  // No PCAT_COMPAT.
        uint32_t local_apics = 0;
        uint32_t io_apics = 0;
        uint32_t nmis = 0;
        for (size_t offset = sizeof(MadtFixed); offset < madt.size(); offset += madt[offset + 1]) {
            ASSERT_GT(madt[offset + 1], 0);
            switch (static_cast<MadtEntryType>(madt[offset])) {
                case MadtEntryType::kLocalApic:
                    EXPECT_EQ(madt[offset + 2], local_apics);  // Processor UID.
                    EXPECT_EQ(madt[offset + 3], local_apics);  // APIC id.
                    EXPECT_EQ(field<uint32_t>(madt, offset + 4), kLocalApicEnabled);
                    ++local_apics;
                    break;
                case MadtEntryType::kIoApic:
                    EXPECT_EQ(madt[offset + 2], vcpus);
                    EXPECT_EQ(field<uint32_t>(madt, offset + 4), kIoApicAddress);
                    EXPECT_EQ(field<uint32_t>(madt, offset + 8), 0u);
                    ++io_apics;
                    break;
                case MadtEntryType::kLocalApicNmi:
                    EXPECT_EQ(madt[offset + 2], 0xff);
                    EXPECT_EQ(madt[offset + 5], 1);  // LINT1.
                    ++nmis;
                    break;
                default:
                    ADD_FAILURE() << "unexpected MADT entry type " << int{madt[offset]};
            }
        }
        EXPECT_EQ(local_apics, vcpus);
        EXPECT_EQ(io_apics, 1u);
        EXPECT_EQ(nmis, 1u);
    }
}

TEST(AcpiTables, DsdtNamesTheDevicesAndS5) {
    auto tables = write_and_read(AcpiConfig{.pci_mmio64 = PciMmioWindow{1ull << 40, 1ull << 36}});
    const auto& dsdt = tables.by_signature.at("DSDT");
    for (const char* name : {"PCI0", "COM1", "PS2K", "_S5_", "_CRS", "_HID", "_BBN", "_SEG"})
        EXPECT_TRUE(contains(dsdt, name)) << name;
    EXPECT_EQ(dsdt[8], 2);  // Revision 2: 64-bit integers.
}

TEST(AcpiTables, RejectsImpossibleVcpuCounts) {
    auto memory = zapotec::test::make_memory(16 * zapotec::test::kMiB);
    EXPECT_FALSE(write_acpi_tables(memory, AcpiConfig{.vcpu_count = 0}).has_value());
    EXPECT_FALSE(write_acpi_tables(memory, AcpiConfig{.vcpu_count = kMaxVcpus + 1}).has_value());
}

TEST(AcpiTables, FailsWithoutMemoryForTheArea) {
    auto memory = GuestMemory::create({{GuestAddress(0), 0x80000}});
    ASSERT_TRUE(memory.has_value());
    EXPECT_FALSE(write_acpi_tables(*memory, AcpiConfig{}).has_value());
}

}  // namespace
}  // namespace zapotec::x86_64::acpi
