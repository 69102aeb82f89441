// The boot page tables: an identity map of the first 1 GiB with 2 MiB pages.
#include "arch/x86_64/page_tables.hpp"

#include <array>

#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64 {

namespace {

using PageTable = std::array<uint64_t, kPageTableEntries>;
static_assert(sizeof(PageTable) == kPageTableSize);

constexpr uint64_t kPageMask = 0xfff;
static_assert((kPml4Address & kPageMask) == 0 && (kPdptAddress & kPageMask) == 0 &&
                  (kPdAddress & kPageMask) == 0,
              "page tables must be page-aligned");

constexpr uint64_t kTableEntryFlags = kPtePresent | kPteWritable;

[[nodiscard]] Result<> write_table(const GuestMemory& memory, uint64_t address,
                                   const PageTable& table, const char* name) {
    if (auto written = memory.write_obj(GuestAddress(address), table); !written)
        return std::unexpected(written.error().context(fmt::format("boot page tables: {}", name)));
    return {};
}

}  // namespace

Result<> write_identity_page_tables(const GuestMemory& memory) {
    PageTable pml4{};
    pml4[0] = kPdptAddress | kTableEntryFlags;
    TRY(write_table(memory, kPml4Address, pml4, "PML4"));

    PageTable pdpt{};
    pdpt[0] = kPdAddress | kTableEntryFlags;
    TRY(write_table(memory, kPdptAddress, pdpt, "PDPT"));

    PageTable pd{};
    for (std::size_t i = 0; i < kPageTableEntries; ++i)
        pd[i] = (i * kLargePageSize) | kTableEntryFlags | kPteLargePage;
    TRY(write_table(memory, kPdAddress, pd, "PD"));
    return {};
}

}  // namespace zapotec::x86_64
