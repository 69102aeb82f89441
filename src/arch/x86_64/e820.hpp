// The BIOS e820 memory map Zapotec reports to the guest, derived from guest memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::x86_64 {

enum class E820Type : uint32_t {
    kRam = 1,
    kReserved = 2,
    kAcpi = 3,
};

// One entry as boot_params.e820_table holds it.
#pragma pack(push, 1)
struct E820Entry {
    uint64_t address;
    uint64_t size;
    E820Type type;
};
#pragma pack(pop)
static_assert(sizeof(E820Entry) == 20);

// boot_params has room for this many entries.
inline constexpr size_t kE820MaxEntries = 128;

// RAM below kEbdaStart; [kEbdaStart, 1 MiB) reserved (the EBDA, the ACPI tables and the BIOS
// area); then every region's RAM from 1 MiB up, adjacent ranges merged. Fails when a region
// reaches into the 32-bit MMIO hole or the map would need more than kE820MaxEntries entries.
[[nodiscard]] Result<std::vector<E820Entry>> build_e820(const GuestMemory& memory);

}  // namespace zapotec::x86_64
