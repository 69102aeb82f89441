#include "memory/guest_memory.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <span>

namespace zapotec {
namespace {

GuestMemory two_regions() {
    auto memory =
        GuestMemory::create({{GuestAddress(0), 0x10000}, {GuestAddress(0x100000), 0x2000}});
    EXPECT_TRUE(memory.has_value());
    return std::move(*memory);
}

TEST(GuestMemory, ReadBackWhatWasWritten) {
    auto memory = two_regions();
    ASSERT_TRUE(memory.write_obj<uint32_t>(GuestAddress(0x100ffc), 0xdeadbeef).has_value());
    auto value = memory.read_obj<uint32_t>(GuestAddress(0x100ffc));
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(*value, 0xdeadbeefu);
    EXPECT_EQ(memory.total_size(), 0x12000u);
    EXPECT_EQ(memory.end_address(), 0x102000u);
}

TEST(GuestMemory, RejectsAccessOutsideOrAcrossRegions) {
    auto memory = two_regions();
    std::array<uint8_t, 8> buffer{};
    EXPECT_FALSE(memory.read(GuestAddress(0x10000), buffer).has_value());   // In the gap.
    EXPECT_FALSE(memory.read(GuestAddress(0xfffc), buffer).has_value());    // Crosses the end.
    EXPECT_FALSE(memory.read(GuestAddress(0x101ffc), buffer).has_value());  // Crosses the end.
    EXPECT_FALSE(
        memory.slice(GuestAddress(0x100000), std::numeric_limits<uint64_t>::max()).has_value());
    EXPECT_FALSE(memory.slice(GuestAddress(std::numeric_limits<uint64_t>::max()), 2).has_value());
    EXPECT_TRUE(memory.slice(GuestAddress(0x10000), 0).has_value());  // Empty, at an end.
}

// An empty access at the end of a region is in bounds, and the slice it gets has no data
// pointer: read() and write() must not hand that to memcpy() (found by virtio_net_fuzz).
TEST(GuestMemory, EmptyAccessAtTheEndOfARegionSucceeds) {
    auto memory = two_regions();
    EXPECT_TRUE(memory.write(GuestAddress(0x10000), std::span<const uint8_t>()).has_value());
    EXPECT_TRUE(memory.read(GuestAddress(0x102000), std::span<uint8_t>()).has_value());
    EXPECT_TRUE(memory.write(GuestAddress(0x100), std::span<const uint8_t>()).has_value());
    EXPECT_FALSE(memory.read(GuestAddress(0x20000), std::span<uint8_t>()).has_value());
}

TEST(GuestMemory, RejectsOverlappingOrUnalignedRegions) {
    EXPECT_FALSE(GuestMemory::create({{GuestAddress(0), 0x2000}, {GuestAddress(0x1000), 0x1000}})
                     .has_value());
    EXPECT_FALSE(GuestMemory::create({{GuestAddress(0x10), 0x1000}}).has_value());
    EXPECT_FALSE(GuestMemory::create({{GuestAddress(0), 0}}).has_value());
}

}  // namespace
}  // namespace zapotec
