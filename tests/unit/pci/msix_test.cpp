// Tests of the MSI-X table and PBA: routes follow the table entries, delivery honours the
// enable bit, per-vector masks and the function mask, and masked vectors stay pending.
#include "devices/pci/msix.hpp"

#include <gtest/gtest.h>

#include <array>

#include "fake_msi_vectors.hpp"

namespace zapotec::pci {
namespace {

using testing::FakeMsiVectors;

constexpr uint64_t kAddress = 0xfee0'1000;

void write32(MsixTable& table, uint64_t offset, uint32_t value) {
    std::array<uint8_t, 4> bytes{};
    for (size_t i = 0; i < 4; ++i)
        bytes[i] = static_cast<uint8_t>(value >> (8 * i));
    table.write_table(offset, bytes);
}

uint32_t read32(MsixTable& table, uint64_t offset) {
    std::array<uint8_t, 4> bytes{};
    table.read_table(offset, bytes);
    return uint32_t{bytes[0]} | uint32_t{bytes[1]} << 8 | uint32_t{bytes[2]} << 16 |
           uint32_t{bytes[3]} << 24;
}

uint64_t read_pba64(MsixTable& table, uint64_t offset = 0) {
    std::array<uint8_t, 8> bytes{};
    table.read_pba(offset, bytes);
    uint64_t value = 0;
    for (size_t i = 0; i < 8; ++i)
        value |= uint64_t{bytes[i]} << (8 * i);
    return value;
}

// What Linux's MSI-X code writes into an entry: address, upper address, data, then the
// vector control (0 unmasks it).
void program(MsixTable& table, uint16_t vector, uint32_t data, bool masked = false) {
    uint64_t entry = uint64_t{vector} * kMsixEntrySize;
    write32(table, entry + 0, static_cast<uint32_t>(kAddress));
    write32(table, entry + 4, 0);
    write32(table, entry + 8, data);
    write32(table, entry + 12, masked ? 1 : 0);
}

class MsixTest : public ::testing::Test {
  protected:
    std::shared_ptr<FakeMsiVectors> sink = std::make_shared<FakeMsiVectors>();
    MsixTable table{3, sink};
};

TEST_F(MsixTest, ResetTableHasEveryVectorMaskedAndNothingPending) {
    EXPECT_EQ(table.vector_count(), 3);
    EXPECT_EQ(table.table_size(), 48u);
    EXPECT_EQ(table.pba_size(), 8u);
    for (uint16_t vector = 0; vector < 3; ++vector) {
        EXPECT_EQ(read32(table, vector * 16u + 12), 1u) << "vector " << vector;
        EXPECT_EQ(read32(table, vector * 16u + 0), 0u);
    }
    EXPECT_EQ(read_pba64(table), 0u);
    EXPECT_TRUE(sink->route_calls.empty());
}

TEST_F(MsixTest, ReadsBeyondTheTableAreAllOnes) {
    EXPECT_EQ(read32(table, 48), 0xffffffffu);
    EXPECT_EQ(read32(table, 0x1ffc), 0xffffffffu);
    write32(table, 48, 0);  // Dropped.
    EXPECT_TRUE(sink->route_calls.empty());
}

TEST_F(MsixTest, ProgrammedEntryIsRoutedAndReadsBack) {
    table.set_control(kMsixControlEnable);
    program(table, 1, 0x4041);
    EXPECT_EQ(read32(table, 16 + 0), static_cast<uint32_t>(kAddress));
    EXPECT_EQ(read32(table, 16 + 8), 0x4041u);
    EXPECT_EQ(read32(table, 16 + 12), 0u);
    ASSERT_TRUE(sink->routes.contains(1));
    EXPECT_EQ(sink->routes[1], (MsiMessage{kAddress, 0x4041}));
    EXPECT_FALSE(sink->routes.contains(0));
}

TEST_F(MsixTest, SixtyFourBitAndByteWritesBuildTheSameMessage) {
    // An 8-byte store of address and upper address, then the data one byte at a time.
    table.set_control(kMsixControlEnable);
    std::array<uint8_t, 8> address{0x00, 0x20, 0xe0, 0xfe, 0x01, 0x00, 0x00, 0x00};
    table.write_table(0, address);
    for (uint64_t i = 0; i < 4; ++i)
        table.write_table(8 + i, std::array<uint8_t, 1>{static_cast<uint8_t>(0x10 + i)});
    write32(table, 12, 0);  // Unmask: only now is the message routed.
    EXPECT_EQ(sink->routes[0], (MsiMessage{0x1'fee0'2000, 0x13121110}));
}

TEST_F(MsixTest, OnlyTheMaskBitOfVectorControlIsKept) {
    write32(table, 12, 0xffffffff);
    EXPECT_EQ(read32(table, 12), 1u);
    write32(table, 12, 0xfffffffe);
    EXPECT_EQ(read32(table, 12), 0u);
}

TEST_F(MsixTest, SignalIsRefusedWhileMsixIsDisabled) {
    program(table, 0, 0x20);
    EXPECT_FALSE(table.signal(0));
    EXPECT_TRUE(sink->triggers.empty());
    EXPECT_EQ(read_pba64(table), 0u);  // Nothing is remembered for later either.
    table.set_control(kMsixControlEnable);
    EXPECT_TRUE(sink->triggers.empty());
}

TEST_F(MsixTest, UnmaskedVectorIsDeliveredAtOnce) {
    table.set_control(kMsixControlEnable);
    program(table, 2, 0x22);
    EXPECT_TRUE(table.signal(2));
    EXPECT_EQ(sink->take_triggers(), (std::vector<uint16_t>{2}));
    EXPECT_EQ(read_pba64(table), 0u);
}

TEST_F(MsixTest, OutOfRangeVectorIsRefused) {
    table.set_control(kMsixControlEnable);
    EXPECT_FALSE(table.signal(3));
    EXPECT_FALSE(table.signal(0xffff));
    EXPECT_TRUE(sink->triggers.empty());
}

TEST_F(MsixTest, MaskedVectorStaysPendingUntilUnmasked) {
    table.set_control(kMsixControlEnable);
    program(table, 1, 0x21, /*masked=*/true);
    EXPECT_TRUE(table.signal(1));
    EXPECT_TRUE(sink->triggers.empty());
    EXPECT_EQ(read_pba64(table), 0b010u);

    write32(table, 16 + 12, 0);  // Unmask.
    EXPECT_EQ(sink->take_triggers(), (std::vector<uint16_t>{1}));
    EXPECT_EQ(read_pba64(table), 0u);
    // Delivered once: a second unmask write has nothing to deliver.
    write32(table, 16 + 12, 0);
    EXPECT_TRUE(sink->triggers.empty());
}

TEST_F(MsixTest, FunctionMaskHoldsEveryVectorPending) {
    table.set_control(kMsixControlEnable | kMsixControlFunctionMask);
    program(table, 0, 0x20);
    program(table, 2, 0x22);
    EXPECT_TRUE(table.signal(0));
    EXPECT_TRUE(table.signal(2));
    EXPECT_TRUE(sink->triggers.empty());
    EXPECT_EQ(read_pba64(table), 0b101u);

    table.set_control(kMsixControlEnable);
    EXPECT_EQ(sink->take_triggers(), (std::vector<uint16_t>{0, 2}));
    EXPECT_EQ(read_pba64(table), 0u);
}

TEST_F(MsixTest, PendingVectorThatIsStillMaskedSurvivesTheFunctionUnmask) {
    table.set_control(kMsixControlEnable | kMsixControlFunctionMask);
    program(table, 0, 0x20, /*masked=*/true);
    EXPECT_TRUE(table.signal(0));
    table.set_control(kMsixControlEnable);
    EXPECT_TRUE(sink->triggers.empty());
    EXPECT_EQ(read_pba64(table), 0b1u);
    write32(table, 12, 0);
    EXPECT_EQ(sink->take_triggers(), (std::vector<uint16_t>{0}));
}

TEST_F(MsixTest, PbaIsReadOnlyAndReadsZeroPastItsEnd) {
    table.set_control(kMsixControlEnable | kMsixControlFunctionMask);
    EXPECT_TRUE(table.signal(0));
    EXPECT_EQ(read_pba64(table, 8), 0u);
    std::array<uint8_t, 1> byte{};
    table.read_pba(0, byte);
    EXPECT_EQ(byte[0], 1);
}

TEST(Msix, PendingBitsOfLargeTablesSpanSeveralQwords) {
    auto sink = std::make_shared<FakeMsiVectors>();
    MsixTable table(70, sink);
    EXPECT_EQ(table.pba_size(), 16u);
    table.set_control(kMsixControlEnable);
    EXPECT_TRUE(table.signal(65));
    EXPECT_EQ(read_pba64(table, 0), 0u);
    EXPECT_EQ(read_pba64(table, 8), 0b10u);
}

TEST_F(MsixTest, FailedRouteIsRetriedOnTheNextWrite) {
    table.set_control(kMsixControlEnable);
    sink->fail_routes = true;
    program(table, 0, 0x20);
    EXPECT_FALSE(sink->routes.contains(0));
    sink->fail_routes = false;
    write32(table, 8, 0x20);  // Same message as before, but it never reached the sink.
    ASSERT_TRUE(sink->routes.contains(0));
    EXPECT_EQ(sink->routes[0].data, 0x20u);
}

TEST_F(MsixTest, UnchangedEntryIsNotRoutedAgain) {
    table.set_control(kMsixControlEnable);
    program(table, 0, 0x20);
    size_t calls = sink->route_calls.size();
    EXPECT_EQ(calls, 1u);
    write32(table, 12, 1);  // Masking changes no message.
    write32(table, 8, 0x20);
    write32(table, 12, 0);
    table.set_control(kMsixControlEnable | kMsixControlFunctionMask);
    table.set_control(kMsixControlEnable);
    EXPECT_EQ(sink->route_calls.size(), calls);
}

TEST_F(MsixTest, MaskedVectorIsRoutedOnlyWhenUnmasked) {
    table.set_control(kMsixControlEnable);
    write32(table, 16 + 0, static_cast<uint32_t>(kAddress));
    write32(table, 16 + 4, 0);
    write32(table, 16 + 8, 0x4041);
    EXPECT_TRUE(sink->route_calls.empty());

    write32(table, 16 + 12, 0);  // Unmask.
    ASSERT_EQ(sink->route_calls.size(), 1u);
    EXPECT_EQ(sink->route_calls[0].vector, 1);
    EXPECT_EQ(sink->route_calls[0].message, (MsiMessage{kAddress, 0x4041}));

    // Reprogrammed while masked: still nothing until the next unmask, which routes once.
    write32(table, 16 + 12, 1);
    write32(table, 16 + 8, 0x4042);
    EXPECT_EQ(sink->route_calls.size(), 1u);
    write32(table, 16 + 12, 0);
    ASSERT_EQ(sink->route_calls.size(), 2u);
    EXPECT_EQ(sink->route_calls[1].message, (MsiMessage{kAddress, 0x4042}));
}

TEST_F(MsixTest, UnmaskedVectorChangingItsMessageIsRoutedAgain) {
    table.set_control(kMsixControlEnable);
    program(table, 0, 0x20);
    write32(table, 8, 0x21);
    ASSERT_EQ(sink->route_calls.size(), 2u);
    EXPECT_EQ(sink->routes[0].data, 0x21u);
}

TEST_F(MsixTest, NothingIsRoutedUntilMsixIsEnabledAndTheFunctionUnmasked) {
    program(table, 0, 0x20);
    EXPECT_TRUE(sink->route_calls.empty());
    table.set_control(kMsixControlEnable | kMsixControlFunctionMask);
    program(table, 1, 0x21);
    EXPECT_TRUE(sink->route_calls.empty());
    table.set_control(kMsixControlEnable);
    ASSERT_EQ(sink->route_calls.size(), 2u);
    EXPECT_EQ(sink->routes[0].data, 0x20u);
    EXPECT_EQ(sink->routes[1].data, 0x21u);
}

TEST_F(MsixTest, PendingVectorIsDeliveredThroughTheRouteCommittedAtUnmask) {
    table.set_control(kMsixControlEnable);
    program(table, 2, 0x22, /*masked=*/true);
    EXPECT_TRUE(table.signal(2));
    EXPECT_TRUE(sink->route_calls.empty());
    write32(table, 32 + 12, 0);
    ASSERT_EQ(sink->route_calls.size(), 1u);
    EXPECT_EQ(sink->routes[2].data, 0x22u);
    EXPECT_EQ(sink->take_triggers(), (std::vector<uint16_t>{2}));
}

}  // namespace
}  // namespace zapotec::pci
