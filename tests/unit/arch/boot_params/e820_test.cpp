// The e820 map for small guests and for guests with RAM above 4 GiB.
#include "arch/x86_64/e820.hpp"

#include <gtest/gtest.h>

#include "../../loader/test_images.hpp"
#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64 {
namespace {

using test::kGiB;
using test::kMiB;

void expect_entry(const E820Entry& entry, uint64_t address, uint64_t size, E820Type type) {
    // E820Entry is packed: copy its fields before gtest takes references to them.
    E820Type entry_type = entry.type;
    EXPECT_EQ(+entry.address, address);
    EXPECT_EQ(+entry.size, size);
    EXPECT_EQ(entry_type, type);
}

TEST(E820, SmallGuest) {
    auto memory = test::make_memory(128 * kMiB);
    auto map = build_e820(memory);
    ASSERT_TRUE(map.has_value()) << map.error().message();
    ASSERT_EQ(map->size(), 3u);
    expect_entry((*map)[0], 0, kEbdaStart, E820Type::kRam);
    expect_entry((*map)[1], kEbdaStart, kHighMemoryStart - kEbdaStart, E820Type::kReserved);
    expect_entry((*map)[2], kHighMemoryStart, 127 * kMiB, E820Type::kRam);
}

TEST(E820, ReservedAreaCoversTheAcpiTables) {
    auto memory = test::make_memory(128 * kMiB);
    auto map = build_e820(memory);
    ASSERT_TRUE(map.has_value());
    const E820Entry& reserved = (*map)[1];
    EXPECT_LE(+reserved.address, kAcpiTablesStart);
    EXPECT_GE(reserved.address + reserved.size, kAcpiTablesEnd);
}

TEST(E820, GuestWithRamAbove4GiB) {
    auto memory = test::make_memory(3 * kGiB, 5 * kGiB);
    auto map = build_e820(memory);
    ASSERT_TRUE(map.has_value()) << map.error().message();
    ASSERT_EQ(map->size(), 4u);
    expect_entry((*map)[2], kHighMemoryStart, 3 * kGiB - kHighMemoryStart, E820Type::kRam);
    expect_entry((*map)[3], 4 * kGiB, 5 * kGiB, E820Type::kRam);
}

TEST(E820, RamInTheMmioHoleIsRejected) {
    auto memory = test::make_memory(3 * kGiB + 4096);
    EXPECT_FALSE(build_e820(memory).has_value());
}

TEST(E820, AdjacentRegionsMerge) {
    auto memory =
        GuestMemory::create({{GuestAddress(0), 2 * kMiB}, {GuestAddress(2 * kMiB), 2 * kMiB}});
    ASSERT_TRUE(memory.has_value());
    auto map = build_e820(*memory);
    ASSERT_TRUE(map.has_value());
    ASSERT_EQ(map->size(), 3u);
    expect_entry((*map)[2], kHighMemoryStart, 3 * kMiB, E820Type::kRam);
}

TEST(E820, TooManyRegionsIsAnError) {
    // 200 separate 4 KiB regions above 1 MiB, each with a gap after it.
    std::vector<GuestRegionSpec> specs{{GuestAddress(0), kHighMemoryStart}};
    for (uint64_t i = 0; i < 200; ++i)
        specs.push_back({GuestAddress(2 * kMiB + i * 0x2000), 0x1000});
    auto memory = GuestMemory::create(specs);
    ASSERT_TRUE(memory.has_value());
    EXPECT_FALSE(build_e820(*memory).has_value());
}

}  // namespace
}  // namespace zapotec::x86_64
