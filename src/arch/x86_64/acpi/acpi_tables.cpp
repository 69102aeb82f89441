// Lays the ACPI tables out in the BIOS area and links them together.
#include "arch/x86_64/acpi/acpi_tables.hpp"

#include <vector>

#include "arch/x86_64/acpi/dsdt.hpp"
#include "arch/x86_64/acpi/fadt.hpp"
#include "arch/x86_64/acpi/madt.hpp"
#include "arch/x86_64/acpi/sdt.hpp"
#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64::acpi {

namespace {

constexpr uint8_t kXsdtRevision = 1;

// Hands out consecutive aligned places in the ACPI area and writes tables there.
class TableArea {
  public:
    TableArea(const GuestMemory& memory, uint64_t start) : memory_(memory), next_(start) {}

    Result<uint64_t> place(const std::vector<uint8_t>& table) {
        uint64_t address = (next_ + kTableAlignment - 1) & ~(kTableAlignment - 1);
        if (table.size() > kAcpiTablesEnd || address > kAcpiTablesEnd - table.size()) {
            return make_error("ACPI table of {} bytes does not fit below {:#x}", table.size(),
                              kAcpiTablesEnd);
        }
        TRY(memory_.write(GuestAddress(address), table));
        next_ = address + table.size();
        return address;
    }

  private:
    const GuestMemory& memory_;
    uint64_t next_;
};

std::vector<uint8_t> build_xsdt(const std::vector<uint64_t>& tables) {
    std::vector<uint8_t> xsdt;
    append_bytes(xsdt, make_header("XSDT", kXsdtRevision));
    for (uint64_t address : tables)
        append_bytes(xsdt, address);
    finish_table(xsdt);
    return xsdt;
}

}  // namespace

Result<GuestAddress> write_acpi_tables(const GuestMemory& memory, const AcpiConfig& config) {
    if (config.vcpu_count == 0 || config.vcpu_count > kMaxVcpus)
        return make_error("ACPI tables describe 1 to {} vCPUs, not {}", kMaxVcpus,
                          config.vcpu_count);
    TableArea area(memory, kRsdpAddress + sizeof(Rsdp));
    uint64_t dsdt = TRY(area.place(build_dsdt(config)));
    uint64_t fadt = TRY(area.place(build_fadt(config, dsdt)));
    uint64_t madt = TRY(area.place(build_madt(config)));
    uint64_t xsdt = TRY(area.place(build_xsdt({fadt, madt})));
    TRY(memory.write_obj(GuestAddress(kRsdpAddress), make_rsdp(xsdt)));
    return GuestAddress(kRsdpAddress);
}

}  // namespace zapotec::x86_64::acpi
