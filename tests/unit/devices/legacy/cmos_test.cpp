// The CMOS RTC's time encodings, status registers and memory size bytes.
#include "devices/legacy/cmos.hpp"

#include <gtest/gtest.h>

#include "port_io.hpp"

namespace zapotec::legacy {
namespace {

using namespace cmos;
using testing::inb;
using testing::outb;

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;

// Saturday 2024-03-09 13:45:56 UTC.
std::time_t fixed_time() {
    std::tm when{};
    when.tm_year = 2024 - 1900;
    when.tm_mon = 2;
    when.tm_mday = 9;
    when.tm_hour = 13;
    when.tm_min = 45;
    when.tm_sec = 56;
    return ::timegm(&when);
}

uint8_t read_cmos(Cmos& cmos, uint8_t index) {
    outb(cmos, kIndexOffset, index);
    return inb(cmos, kDataOffset);
}

void write_cmos(Cmos& cmos, uint8_t index, uint8_t value) {
    outb(cmos, kIndexOffset, index);
    outb(cmos, kDataOffset, value);
}

class CmosTest : public ::testing::Test {
  protected:
    std::time_t now = fixed_time();
    Cmos cmos{2 * kGiB, 0, [this] { return now; }};
};

TEST_F(CmosTest, TimeReadsInBcdBy24HourDefault) {
    EXPECT_EQ(read_cmos(cmos, kSeconds), 0x56);
    EXPECT_EQ(read_cmos(cmos, kMinutes), 0x45);
    EXPECT_EQ(read_cmos(cmos, kHours), 0x13);
    EXPECT_EQ(read_cmos(cmos, kDayOfWeek), 7);  // Saturday; Sunday is 1.
    EXPECT_EQ(read_cmos(cmos, kDayOfMonth), 0x09);
    EXPECT_EQ(read_cmos(cmos, kMonth), 0x03);
    EXPECT_EQ(read_cmos(cmos, kYear), 0x24);
    EXPECT_EQ(read_cmos(cmos, kCentury), 0x20);
}

TEST_F(CmosTest, BinaryModeFollowsRegisterB) {
    write_cmos(cmos, kStatusB, kHour24 | kBinaryMode);
    EXPECT_EQ(read_cmos(cmos, kStatusB), kHour24 | kBinaryMode);
    EXPECT_EQ(read_cmos(cmos, kSeconds), 56);
    EXPECT_EQ(read_cmos(cmos, kHours), 13);
    EXPECT_EQ(read_cmos(cmos, kYear), 24);
    EXPECT_EQ(read_cmos(cmos, kCentury), 20);
}

TEST_F(CmosTest, TwelveHourModeSetsThePmBit) {
    write_cmos(cmos, kStatusB, 0);
    EXPECT_EQ(read_cmos(cmos, kHours), kPm | 0x01);
    now -= 13 * 3600;  // 00:45: midnight reads as 12 AM.
    EXPECT_EQ(read_cmos(cmos, kHours), 0x12);
    write_cmos(cmos, kStatusB, kBinaryMode);
    now += 12 * 3600;  // 12:45: noon is 12 PM.
    EXPECT_EQ(read_cmos(cmos, kHours), kPm | 12);
}

TEST_F(CmosTest, TheClockFollowsTheHostAndIgnoresGuestWrites) {
    write_cmos(cmos, kSeconds, 0x11);
    write_cmos(cmos, kYear, 0x99);
    EXPECT_EQ(read_cmos(cmos, kSeconds), 0x56);
    now += 1;
    EXPECT_EQ(read_cmos(cmos, kSeconds), 0x57);
    EXPECT_EQ(read_cmos(cmos, kYear), 0x24);
}

TEST_F(CmosTest, StatusRegisters) {
    write_cmos(cmos, kStatusA, kUpdateInProgress | kDefaultStatusA);
    EXPECT_EQ(read_cmos(cmos, kStatusA), kDefaultStatusA);  // UIP never reads set.
    write_cmos(cmos, kStatusC, 0xff);
    write_cmos(cmos, kStatusD, 0x00);
    EXPECT_EQ(read_cmos(cmos, kStatusC), 0);
    EXPECT_EQ(read_cmos(cmos, kStatusD), kValidRam);
}

TEST_F(CmosTest, TheIndexKeepsSevenBitsAndBitSevenMasksNmi) {
    write_cmos(cmos, 0x40, 0xab);
    EXPECT_EQ(read_cmos(cmos, 0x80 | 0x40), 0xab);
    EXPECT_TRUE(cmos.nmi_disabled());
    EXPECT_EQ(read_cmos(cmos, 0x40), 0xab);
    EXPECT_FALSE(cmos.nmi_disabled());
    EXPECT_EQ(inb(cmos, kIndexOffset), 0xff);  // The index port is write only.
}

TEST_F(CmosTest, MemorySizeBytesBelowTheHole) {
    // (2 GiB - 16 MiB) / 64 KiB = 0x7f00.
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove16MLow), 0x00);
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove16MHigh), 0x7f);
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove4GLow), 0);
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove4GMid), 0);
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove4GHigh), 0);
    EXPECT_EQ(read_cmos(cmos, kExtendedMemoryLow2), 0xff);  // Capped at 0xffff KiB.
    EXPECT_EQ(read_cmos(cmos, kExtendedMemoryHigh2), 0xff);
}

TEST(Cmos, MemorySizeBytesAroundTheHole) {
    Cmos cmos(4 * kGiB, 6 * kGiB);  // Only 3 GiB fit below the hole.
    // (3 GiB - 16 MiB) / 64 KiB = 0xbf00; 6 GiB / 64 KiB = 0x018000.
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove16MLow), 0x00);
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove16MHigh), 0xbf);
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove4GLow), 0x00);
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove4GMid), 0x80);
    EXPECT_EQ(read_cmos(cmos, kMemoryAbove4GHigh), 0x01);

    Cmos small(8 * kMiB, 0);
    EXPECT_EQ(read_cmos(small, kMemoryAbove16MLow), 0);
    EXPECT_EQ(read_cmos(small, kMemoryAbove16MHigh), 0);
}

TEST_F(CmosTest, SaveAndRestoreRoundTrip) {
    write_cmos(cmos, 0x50, 0x12);
    write_cmos(cmos, kStatusB, kBinaryMode);
    outb(cmos, kIndexOffset, 0x80 | kSeconds);
    Cmos::State state = cmos.save();

    Cmos restored(0, 0, [this] { return now; });
    ASSERT_TRUE(restored.restore(state).has_value());
    EXPECT_EQ(restored.save().ram, state.ram);
    EXPECT_TRUE(restored.nmi_disabled());
    EXPECT_EQ(inb(restored, kDataOffset), 56);  // The index survived, binary mode too.
    EXPECT_EQ(read_cmos(restored, 0x50), 0x12);
}

}  // namespace
}  // namespace zapotec::legacy
