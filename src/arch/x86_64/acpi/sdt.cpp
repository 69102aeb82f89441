// Table headers, checksums and the RSDP.
#include "arch/x86_64/acpi/sdt.hpp"

#include <algorithm>
#include <numeric>

namespace zapotec::x86_64::acpi {

uint8_t checksum_byte(std::span<const uint8_t> bytes) {
    uint8_t sum = std::accumulate(bytes.begin(), bytes.end(), uint8_t{0});
    return static_cast<uint8_t>(0x100 - sum);
}

SdtHeader make_header(std::string_view signature, uint8_t revision) {
    SdtHeader header{};
    std::memcpy(header.signature, signature.data(), std::min(signature.size(), size_t{4}));
    header.revision = revision;
    std::memcpy(header.oem_id, kOemId, sizeof(header.oem_id));
    std::memcpy(header.oem_table_id, kOemTableId, sizeof(header.oem_table_id));
    header.oem_revision = kOemRevision;
    std::memcpy(header.creator_id, kCreatorId, sizeof(header.creator_id));
    header.creator_revision = kCreatorRevision;
    return header;
}

void finish_table(std::vector<uint8_t>& table) {
    auto length = static_cast<uint32_t>(table.size());
    std::memcpy(table.data() + offsetof(SdtHeader, length), &length, sizeof(length));
    table[offsetof(SdtHeader, checksum)] = 0;
    table[offsetof(SdtHeader, checksum)] = checksum_byte(table);
}

Rsdp make_rsdp(uint64_t xsdt_address) {
    Rsdp rsdp{};
    std::memcpy(rsdp.signature, "RSD PTR ", sizeof(rsdp.signature));
    std::memcpy(rsdp.oem_id, kOemId, sizeof(rsdp.oem_id));
    rsdp.revision = kRsdpRevision;
    rsdp.length = sizeof(Rsdp);
    rsdp.xsdt_address = xsdt_address;
    const auto* bytes = reinterpret_cast<const uint8_t*>(&rsdp);
    rsdp.checksum = checksum_byte(std::span(bytes, kRsdpV1Length));
    rsdp.extended_checksum = checksum_byte(std::span(bytes, sizeof(Rsdp)));
    return rsdp;
}

}  // namespace zapotec::x86_64::acpi
