// Reads the ACPI tables back out of guest memory the way a guest finds them.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "arch/x86_64/acpi/sdt.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::x86_64::acpi::test {

struct Tables {
    Rsdp rsdp{};
    std::vector<uint8_t> rsdp_bytes;
    std::map<std::string, std::vector<uint8_t>> by_signature;  // XSDT, FACP, APIC, DSDT.
    std::map<std::string, uint64_t> address;
};

inline std::vector<uint8_t> read_table(const GuestMemory& memory, uint64_t address) {
    auto header = memory.read_obj<SdtHeader>(GuestAddress(address));
    EXPECT_TRUE(header.has_value());
    if (!header)
        return {};
    std::vector<uint8_t> bytes(header->length);
    EXPECT_TRUE(memory.read(GuestAddress(address), bytes).has_value());
    return bytes;
}

inline std::string signature_of(const std::vector<uint8_t>& table) {
    return std::string(table.begin(), table.begin() + 4);
}

template <class T>
T field(const std::vector<uint8_t>& bytes, size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

// RSDP -> XSDT -> each table, and FADT -> DSDT.
inline Tables read_tables(const GuestMemory& memory, GuestAddress rsdp_address) {
    Tables tables;
    tables.rsdp = *memory.read_obj<Rsdp>(rsdp_address);
    tables.rsdp_bytes.resize(sizeof(Rsdp));
    EXPECT_TRUE(memory.read(rsdp_address, tables.rsdp_bytes).has_value());
    auto add = [&](uint64_t address) -> const std::vector<uint8_t>& {
        auto table = read_table(memory, address);
        std::string signature = signature_of(table);
        tables.address[signature] = address;
        return tables.by_signature[signature] = std::move(table);
    };
    const auto& xsdt = add(tables.rsdp.xsdt_address);
    for (size_t offset = sizeof(SdtHeader); offset + 8 <= xsdt.size(); offset += 8)
        add(field<uint64_t>(xsdt, offset));
    if (tables.by_signature.count("FACP"))
        add(field<uint64_t>(tables.by_signature["FACP"], 140));
    return tables;
}

}  // namespace zapotec::x86_64::acpi::test
