// The UART's interrupt identification, priorities and edges, and its bounded input.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "devices/legacy/serial.hpp"
#include "port_io.hpp"

namespace zapotec::legacy {
namespace {

using namespace uart;
using testing::inb;
using testing::outb;

constexpr uint8_t kFifoBits = iir::kFifosEnabled;

uint8_t iir_of(InterruptId id) {
    return static_cast<uint8_t>(kFifoBits | static_cast<uint8_t>(id));
}

class Serial8250Interrupts : public ::testing::Test {
  protected:
    void SetUp() override { outb(uart, kInterruptId, fcr::kEnable); }

    void input(std::initializer_list<uint8_t> bytes) {
        std::vector<uint8_t> data(bytes);
        uart.enqueue_input(data);
    }

    std::shared_ptr<CountingIrqLine> irq = std::make_shared<CountingIrqLine>();
    Serial8250 uart{irq, UniqueFd()};
};

TEST_F(Serial8250Interrupts, ReceivedDataRaisesTheInterruptOnlyWhenEnabled) {
    input({'a'});
    EXPECT_EQ(irq->take(), 0u);
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::None));
    // Enabling RX interrupts with data waiting raises it at once.
    outb(uart, kInterruptEnable, ier::kRxData);
    EXPECT_EQ(irq->take(), 1u);
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::RxData));
    EXPECT_EQ(inb(uart, kData), 'a');
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::None));
    // New input after the guest drained the FIFO is a new edge; more input while it is
    // still pending is not.
    input({'b'});
    input({'c'});
    EXPECT_EQ(irq->take(), 1u);
    EXPECT_EQ(inb(uart, kData), 'b');
    EXPECT_EQ(inb(uart, kData), 'c');
    input({'d'});
    EXPECT_EQ(irq->take(), 1u);
}

TEST_F(Serial8250Interrupts, ThrEmptyFollowsLinuxThreProbe) {
    // serial8250_do_startup(): IER=THRI, read IIR, IER=0, IER=THRI, read IIR again. A UART
    // that does not re-raise THRE the second time gets UART_BUG_THRE.
    outb(uart, kInterruptEnable, ier::kThrEmpty);
    EXPECT_EQ(irq->take(), 1u);
    uint8_t iir1 = inb(uart, kInterruptId);
    outb(uart, kInterruptEnable, 0);
    outb(uart, kInterruptEnable, ier::kThrEmpty);
    uint8_t iir2 = inb(uart, kInterruptId);
    outb(uart, kInterruptEnable, 0);
    EXPECT_EQ(iir1, iir_of(InterruptId::ThrEmpty));
    EXPECT_EQ(iir2, iir_of(InterruptId::ThrEmpty));
    EXPECT_EQ(irq->take(), 1u);
}

TEST_F(Serial8250Interrupts, ThrEmptyIsClearedByTheIirReadThatReportsItAndRearmedByWrites) {
    outb(uart, kInterruptEnable, ier::kThrEmpty);
    EXPECT_EQ(irq->take(), 1u);
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::ThrEmpty));
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::None));
    // Rewriting IER without a 0 -> 1 change of THRI does not re-raise it.
    outb(uart, kInterruptEnable, ier::kThrEmpty);
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::None));
    // A transmitted byte empties THR again: a new THRE interrupt.
    outb(uart, kData, 'x');
    EXPECT_EQ(irq->take(), 1u);
    outb(uart, kData, 'y');  // Still pending: no second edge.
    EXPECT_EQ(irq->take(), 0u);
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::ThrEmpty));
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::None));
}

TEST_F(Serial8250Interrupts, LinuxTxenProbeSeesThrEmpty) {
    // serial8250_do_startup(): "Do a quick test to see if we receive an interrupt when we
    // enable the TX irq." LSR must show TEMT and IIR an interrupt, or UART_BUG_TXEN is set.
    outb(uart, kInterruptEnable, ier::kThrEmpty);
    uint8_t lsr_value = inb(uart, kLineStatus);
    uint8_t iir_value = inb(uart, kInterruptId);
    outb(uart, kInterruptEnable, 0);
    EXPECT_TRUE(lsr_value & lsr::kTxEmpty);
    EXPECT_FALSE(iir_value & static_cast<uint8_t>(InterruptId::None));
}

TEST_F(Serial8250Interrupts, ReceivedDataOutranksThrEmpty) {
    outb(uart, kInterruptEnable, ier::kThrEmpty | ier::kRxData);
    input({'z'});
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::RxData));
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::RxData));  // Not acknowledged by IIR.
    EXPECT_EQ(inb(uart, kData), 'z');
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::ThrEmpty));
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::None));
    EXPECT_EQ(irq->take(), 1u);  // One rising edge: the line stayed up throughout.
}

TEST_F(Serial8250Interrupts, ModemStatusChangesInLoopbackRaiseTheLowestPriorityInterrupt) {
    outb(uart, kInterruptEnable, ier::kModemStatus);
    outb(uart, kModemControl, mcr::kLoop);  // DCD/DSR/CTS drop: deltas.
    EXPECT_EQ(irq->take(), 1u);
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::ModemStatus));
    uint8_t status = inb(uart, kModemStatus);
    EXPECT_EQ(status & msr::kDeltaMask, msr::kDeltaCts | msr::kDeltaDsr | msr::kDeltaDcd);
    EXPECT_EQ(inb(uart, kModemStatus) & msr::kDeltaMask, 0);
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::None));
    // RI's trailing edge (OUT1 1 -> 0) sets TERI, its leading edge does not.
    outb(uart, kModemControl, mcr::kLoop | mcr::kOut1);
    EXPECT_EQ(inb(uart, kModemStatus) & msr::kDeltaMask, 0);
    outb(uart, kModemControl, mcr::kLoop);
    EXPECT_EQ(inb(uart, kModemStatus) & msr::kDeltaMask, msr::kTrailingEdgeRi);
}

TEST_F(Serial8250Interrupts, InputBeyondCapacityIsDroppedCountedAndReportedAsOverrun) {
    outb(uart, kInterruptEnable, ier::kLineStatus | ier::kRxData);
    irq->take();
    std::vector<uint8_t> flood(Serial8250::kInputCapacity + 100, 'q');
    EXPECT_EQ(uart.enqueue_input(flood), Serial8250::kInputCapacity);
    EXPECT_EQ(uart.enqueue_input(flood), 0u);
    EXPECT_EQ(uart.stats().input_dropped, 100u + flood.size());
    EXPECT_EQ(irq->take(), 1u);
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::LineStatus));
    EXPECT_EQ(inb(uart, kLineStatus) & (lsr::kOverrun | lsr::kDataReady),
              lsr::kOverrun | lsr::kDataReady);
    EXPECT_EQ(inb(uart, kLineStatus) & lsr::kOverrun, 0);  // Cleared by the read.
    EXPECT_EQ(inb(uart, kInterruptId), iir_of(InterruptId::RxData));
    size_t drained = 0;
    while (inb(uart, kLineStatus) & lsr::kDataReady) {
        inb(uart, kData);
        ++drained;
    }
    EXPECT_EQ(drained, Serial8250::kInputCapacity);
}

TEST_F(Serial8250Interrupts, LoopbackOverrunsPastTheFifo) {
    outb(uart, kModemControl, mcr::kLoop);
    for (size_t i = 0; i <= Serial8250::kFifoSize; ++i)
        outb(uart, kData, static_cast<uint8_t>(i));
    EXPECT_TRUE(inb(uart, kLineStatus) & lsr::kOverrun);
    EXPECT_EQ(inb(uart, kData), 0);
}

TEST_F(Serial8250Interrupts, NoInterruptLineMeansNoPulsesButTheSameRegisters) {
    Serial8250 quiet(nullptr, UniqueFd());
    outb(quiet, kInterruptEnable, ier::kRxData);
    const uint8_t byte[] = {'k'};
    quiet.enqueue_input(byte);
    EXPECT_EQ(inb(quiet, kInterruptId), static_cast<uint8_t>(InterruptId::RxData));
}

}  // namespace
}  // namespace zapotec::legacy
