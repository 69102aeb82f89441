// Tests of the identity-mapping boot page tables, read back from guest memory.
#include "arch/x86_64/page_tables.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64 {
namespace {

constexpr uint64_t kAddressMask = 0x000f'ffff'ffff'f000;

GuestMemory low_memory() {
    auto memory = GuestMemory::create({{GuestAddress(0), 0x100000}});
    EXPECT_TRUE(memory.has_value());
    // Stale bytes where the tables go: every entry must be written, not assumed zero.
    const std::vector<uint8_t> garbage(0x3000, 0xa5);
    EXPECT_TRUE(memory->write(GuestAddress(kPml4Address), garbage).has_value());
    return std::move(*memory);
}

uint64_t entry_at(const GuestMemory& memory, uint64_t table, uint64_t index) {
    auto entry = memory.read_obj<uint64_t>(GuestAddress(table + index * 8));
    EXPECT_TRUE(entry.has_value());
    return entry.value_or(0);
}

// A 4-level walk as the MMU would do it, following 2 MiB pages.
std::optional<uint64_t> translate(const GuestMemory& memory, uint64_t virt) {
    const uint64_t pml4e = entry_at(memory, kPml4Address, (virt >> 39) & 0x1ff);
    if (!(pml4e & kPtePresent))
        return std::nullopt;
    const uint64_t pdpte = entry_at(memory, pml4e & kAddressMask, (virt >> 30) & 0x1ff);
    if (!(pdpte & kPtePresent) || (pdpte & kPteLargePage))
        return std::nullopt;
    const uint64_t pde = entry_at(memory, pdpte & kAddressMask, (virt >> 21) & 0x1ff);
    if (!(pde & kPtePresent) || !(pde & kPteLargePage))
        return std::nullopt;
    return (pde & ~(kLargePageSize - 1) & kAddressMask) | (virt & (kLargePageSize - 1));
}

TEST(PageTables, EntriesLinkPml4ToPdptToPd) {
    const GuestMemory memory = low_memory();
    auto written = write_identity_page_tables(memory);
    ASSERT_TRUE(written.has_value()) << written.error().message();

    EXPECT_EQ(entry_at(memory, kPml4Address, 0), kPdptAddress | 0x3);
    EXPECT_EQ(entry_at(memory, kPdptAddress, 0), kPdAddress | 0x3);
    for (uint64_t i = 1; i < kPageTableEntries; ++i) {
        ASSERT_EQ(entry_at(memory, kPml4Address, i), 0u) << "PML4 " << i;
        ASSERT_EQ(entry_at(memory, kPdptAddress, i), 0u) << "PDPT " << i;
    }
    for (uint64_t i = 0; i < kPageTableEntries; ++i)
        ASSERT_EQ(entry_at(memory, kPdAddress, i), (i << 21) | 0x83) << "PD " << i;
}

TEST(PageTables, IdentityMapTheFirstGigabyte) {
    const GuestMemory memory = low_memory();
    ASSERT_TRUE(write_identity_page_tables(memory).has_value());
    for (uint64_t address : std::initializer_list<uint64_t>{
             0x0, kZeroPageAddress, kCmdlineAddress, kHighMemoryStart, 0x1234567, 0x3fff'ffff}) {
        EXPECT_EQ(translate(memory, address), address) << std::hex << address;
    }
    EXPECT_EQ(kIdentityMappedSize, 1ull << 30);
    EXPECT_EQ(translate(memory, 1ull << 30), std::nullopt);
    EXPECT_EQ(translate(memory, 1ull << 39), std::nullopt);
}

TEST(PageTables, FailWhenTheTablesAreOutsideMemory) {
    auto memory = GuestMemory::create({{GuestAddress(0), 0x9000}});  // Ends at the PML4.
    ASSERT_TRUE(memory.has_value());
    auto written = write_identity_page_tables(*memory);
    ASSERT_FALSE(written.has_value());
    EXPECT_NE(written.error().message().find("PML4"), std::string::npos);
}

}  // namespace
}  // namespace zapotec::x86_64
