// Tests of queue interrupts through the transport's MSI-X table in BAR0: a masked vector
// leaves its pending bit in the PBA until unmasked, the function mask holds every vector,
// and with MSI-X disabled nothing reaches the sink.
#include <gtest/gtest.h>

#include "virtio_pci_harness.hpp"

namespace zapotec::virtio {
namespace {

using testing::VirtioPciHarness;

constexpr uint16_t kQueueVector = VirtioPciHarness::kQueueVector;
constexpr uint64_t kQueueEntry =
    VirtioPciDevice::kMsixTableOffset + kQueueVector * pci::kMsixEntrySize;

class VirtioPciMsixTest : public ::testing::Test {
  protected:
    void SetUp() override {
        harness.enable_device();
        harness.enable_msix();
        ASSERT_EQ(harness.initialise() & status::kNeedsReset, 0);
        harness.run_loop();
        harness.msi->take_triggers();
    }
    // One request whose completion the driver wants signalled.
    void complete_one_request() {
        uint16_t before = harness.driver.used_idx();
        // Under EVENT_IDX the driver asks for an interrupt at the next completion.
        harness.driver.set_used_event(before);
        harness.driver.post({{harness.driver.allocate(16), 16, true}});
        harness.notify();
        harness.run_loop();
        ASSERT_EQ(harness.driver.used_idx(), static_cast<uint16_t>(before + 1));
    }
    uint64_t pba() { return harness.read(VirtioPciDevice::kMsixPbaOffset, 8); }
    void set_msix_control(uint16_t control) {
        harness.config.write16(VirtioPciHarness::kSlot, harness.msix_cap() + 2, control);
    }

    VirtioPciHarness harness{16};
};

TEST_F(VirtioPciMsixTest, EveryCompletionTheDriverAsksForIsSignalled) {
    complete_one_request();
    complete_one_request();
    EXPECT_EQ(harness.msi->take_triggers(), (std::vector<uint16_t>{kQueueVector, kQueueVector}));
}

TEST_F(VirtioPciMsixTest, MaskedQueueVectorIsPendingUntilUnmasked) {
    harness.write(kQueueEntry + 12, 4, 1);  // Mask the queue's entry.
    EXPECT_EQ(harness.read(kQueueEntry + 12, 4), 1u);
    complete_one_request();
    EXPECT_TRUE(harness.msi->triggers.empty());
    EXPECT_EQ(pba(), 1u << kQueueVector);

    harness.write(kQueueEntry + 12, 4, 0);
    EXPECT_EQ(harness.msi->take_triggers(), (std::vector<uint16_t>{kQueueVector}));
    EXPECT_EQ(pba(), 0u);
}

TEST_F(VirtioPciMsixTest, FunctionMaskHoldsTheQueueVector) {
    set_msix_control(pci::kMsixControlEnable | pci::kMsixControlFunctionMask);
    complete_one_request();
    EXPECT_TRUE(harness.msi->triggers.empty());
    EXPECT_EQ(pba(), 1u << kQueueVector);
    set_msix_control(pci::kMsixControlEnable);
    EXPECT_EQ(harness.msi->take_triggers(), (std::vector<uint16_t>{kQueueVector}));
    EXPECT_EQ(pba(), 0u);
}

TEST_F(VirtioPciMsixTest, DisabledMsixDeliversNothingAndRemembersNothing) {
    set_msix_control(0);
    complete_one_request();
    EXPECT_TRUE(harness.msi->triggers.empty());
    EXPECT_EQ(pba(), 0u);
    EXPECT_EQ(harness.read(VirtioPciDevice::kIsrOffset, 1), 1u);  // Still in the ISR.
    set_msix_control(pci::kMsixControlEnable);
    EXPECT_TRUE(harness.msi->triggers.empty());
}

TEST_F(VirtioPciMsixTest, PbaIsReadOnlyFromTheGuest) {
    harness.write(kQueueEntry + 12, 4, 1);
    complete_one_request();
    harness.write(VirtioPciDevice::kMsixPbaOffset, 8, 0);
    EXPECT_EQ(pba(), 1u << kQueueVector);
}

TEST_F(VirtioPciMsixTest, TableReadsBackWhatLinuxProgrammed) {
    EXPECT_EQ(harness.read(kQueueEntry + 0, 4), VirtioPciHarness::kMsiAddress);
    EXPECT_EQ(harness.read(kQueueEntry + 4, 4), 0u);
    EXPECT_EQ(harness.read(kQueueEntry + 8, 4), 0x40u + kQueueVector);
    EXPECT_EQ(harness.read(kQueueEntry + 12, 4), 0u);
    // Past the two entries the table region reads as all ones.
    EXPECT_EQ(harness.read(VirtioPciDevice::kMsixTableOffset + 32, 4), 0xffffffffu);
}

TEST_F(VirtioPciMsixTest, QueueVectorCanBeRetargetedWhileRunning) {
    harness.write(testing::common::kQueueSelect, 2, 0);
    harness.write(testing::common::kQueueMsixVector, 2, 0);
    complete_one_request();
    EXPECT_EQ(harness.msi->take_triggers(), (std::vector<uint16_t>{0}));
}

}  // namespace
}  // namespace zapotec::virtio
