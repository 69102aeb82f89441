// The common ACPI structures: the system description table header, the Generic Address
// Structure, the RSDP, and the checksum every table carries (ACPI 6.5, chapter 5.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace zapotec::x86_64::acpi {

// The OEM fields Zapotec puts in every table.
inline constexpr char kOemId[] = "ZAPOTC";         // 6 characters.
inline constexpr char kOemTableId[] = "ZAPOTEC ";  // 8 characters.
inline constexpr char kCreatorId[] = "ZPTC";       // 4 characters.
inline constexpr uint32_t kOemRevision = 1;
inline constexpr uint32_t kCreatorRevision = 1;

#pragma pack(push, 1)
struct SdtHeader {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
};

enum class AddressSpace : uint8_t {
    kSystemMemory = 0,
    kSystemIo = 1,
};

enum class AccessSize : uint8_t {
    kUndefined = 0,
    kByte = 1,
    kWord = 2,
    kDword = 3,
    kQword = 4,
};

struct GenericAddress {
    AddressSpace space_id;
    uint8_t bit_width;
    uint8_t bit_offset;
    AccessSize access_size;
    uint64_t address;
};

struct Rsdp {
    char signature[8];
    uint8_t checksum;  // Over the first 20 bytes (the ACPI 1.0 structure).
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_address;
    uint32_t length;
    uint64_t xsdt_address;
    uint8_t extended_checksum;  // Over the whole structure.
    uint8_t reserved[3];
};
#pragma pack(pop)
static_assert(sizeof(SdtHeader) == 36);
static_assert(offsetof(SdtHeader, checksum) == 9);
static_assert(offsetof(SdtHeader, oem_table_id) == 16);
static_assert(sizeof(GenericAddress) == 12);
static_assert(sizeof(Rsdp) == 36);
static_assert(offsetof(Rsdp, xsdt_address) == 24);
static_assert(offsetof(Rsdp, extended_checksum) == 32);

inline constexpr size_t kRsdpV1Length = 20;
inline constexpr uint8_t kRsdpRevision = 2;  // ACPI 2.0 and later: the XSDT is used.

// An 8-bit I/O port register, as the FADT's reset and sleep registers are.
[[nodiscard]] constexpr GenericAddress io_port_byte(uint16_t port) {
    return GenericAddress{AddressSpace::kSystemIo, 8, 0, AccessSize::kByte, port};
}

// The byte that makes `bytes` sum to zero modulo 256.
[[nodiscard]] uint8_t checksum_byte(std::span<const uint8_t> bytes);

// A header with the signature, revision and OEM fields; length and checksum are set by
// finish_table() once the body is complete.
[[nodiscard]] SdtHeader make_header(std::string_view signature, uint8_t revision);

// Appends the bytes of a plain struct.
template <class T>
void append_bytes(std::vector<uint8_t>& table, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    size_t offset = table.size();
    table.resize(offset + sizeof(T));
    std::memcpy(table.data() + offset, &value, sizeof(T));
}

// Sets the header's length to the table's size and then its checksum. The table starts with
// an SdtHeader.
void finish_table(std::vector<uint8_t>& table);

// The RSDP pointing at the XSDT, both checksums set.
[[nodiscard]] Rsdp make_rsdp(uint64_t xsdt_address);

}  // namespace zapotec::x86_64::acpi
