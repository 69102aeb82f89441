// The boot page tables: an identity map of the first 1 GiB with 2 MiB pages.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::x86_64 {

// Page-table entry bits.
inline constexpr uint64_t kPtePresent = 1ull << 0;
inline constexpr uint64_t kPteWritable = 1ull << 1;
inline constexpr uint64_t kPteLargePage = 1ull << 7;  // PS: a 2 MiB page in a PD entry.

inline constexpr std::size_t kPageTableEntries = 512;
inline constexpr uint64_t kPageTableSize = kPageTableEntries * sizeof(uint64_t);
inline constexpr uint64_t kLargePageSize = 2ull << 20;
// One page directory of 2 MiB pages maps this much: what the boot tables cover.
inline constexpr uint64_t kIdentityMappedSize = kPageTableEntries * kLargePageSize;

// Writes the PML4 at kPml4Address, the PDPT at kPdptAddress and the PD at kPdAddress so that
// virtual address X maps to physical X for X below kIdentityMappedSize, writable, with
// every other entry zeroed. That covers what Linux's 64-bit boot protocol needs mapped: the
// zero page, the command line and the kernel loaded at 1 MiB.
[[nodiscard]] Result<> write_identity_page_tables(const GuestMemory& memory);

}  // namespace zapotec::x86_64
