// The UART driven the way Linux's 8250 driver probes and configures it.
#include <gtest/gtest.h>

#include "devices/legacy/serial.hpp"
#include "port_io.hpp"

namespace zapotec::legacy {
namespace {

using namespace uart;
using testing::inb;
using testing::outb;

constexpr uint8_t kConfModeA = 0x80;  // Linux's UART_LCR_CONF_MODE_A (DLAB only).
constexpr uint8_t kConfModeB = 0xbf;  // Linux's UART_LCR_CONF_MODE_B (EFR access).
constexpr uint8_t kFcr64Byte = 0x20;  // UART_FCR7_64BYTE, a 16750 feature.
constexpr uint8_t kIerUue = 0x40;     // UART_IER_UUE, an XScale feature.

Serial8250 make_uart() {
    return Serial8250(nullptr, UniqueFd());
}

TEST(Serial8250Probe, InterruptEnableHoldsOnlyTheFourRealBits) {
    auto uart = make_uart();
    outb(uart, kInterruptEnable, 0);
    EXPECT_EQ(inb(uart, kInterruptEnable) & ier::kMask, 0);
    outb(uart, kInterruptEnable, 0xff);
    EXPECT_EQ(inb(uart, kInterruptEnable), ier::kMask);
    // Linux's XScale check: the UUE bit must not stick.
    outb(uart, kInterruptEnable, kIerUue);
    EXPECT_EQ(inb(uart, kInterruptEnable) & kIerUue, 0);
}

TEST(Serial8250Probe, ScratchRegisterKeepsWhatIsWritten) {
    auto uart = make_uart();
    for (int value : {0x00, 0x55, 0xaa, 0xff}) {
        outb(uart, kScratch, static_cast<uint8_t>(value));
        EXPECT_EQ(inb(uart, kScratch), value);
    }
}

TEST(Serial8250Probe, LoopbackWiresModemControlToModemStatus) {
    auto uart = make_uart();
    // Linux: serial8250_out_MCR(up, UART_MCR_LOOP | 0x0A), then expects DCD | CTS.
    outb(uart, kModemControl, mcr::kLoop | mcr::kRts | mcr::kOut2);
    EXPECT_EQ(inb(uart, kModemStatus) & msr::kStatusMask, msr::kDcd | msr::kCts);
    outb(uart, kModemControl, mcr::kLoop | mcr::kDtr | mcr::kOut1);
    EXPECT_EQ(inb(uart, kModemStatus) & msr::kStatusMask, msr::kDsr | msr::kRi);
    outb(uart, kModemControl, mcr::kOut2);
    EXPECT_EQ(inb(uart, kModemStatus) & msr::kStatusMask, Serial8250::kIdleModemStatus);
}

TEST(Serial8250Probe, LoopbackTransmitsIntoTheReceiver) {
    auto uart = make_uart();
    int transmitted = 0;
    uart.set_output_observer([&](uint8_t) { ++transmitted; });
    outb(uart, kModemControl, mcr::kLoop);
    outb(uart, kData, 'x');
    EXPECT_TRUE(inb(uart, kLineStatus) & lsr::kDataReady);
    EXPECT_EQ(inb(uart, kData), 'x');
    EXPECT_FALSE(inb(uart, kLineStatus) & lsr::kDataReady);
    EXPECT_EQ(transmitted, 0);
}

TEST(Serial8250Probe, FifoDetectionFindsA16550AAndNoLaterVariant) {
    auto uart = make_uart();
    // autoconfig(): clear a possible EFR, enable the FIFOs, look at IIR bits 6-7.
    outb(uart, kLineControl, kConfModeB);
    outb(uart, kInterruptId, 0);
    outb(uart, kLineControl, 0);
    outb(uart, kInterruptId, fcr::kEnable);
    EXPECT_EQ(inb(uart, kInterruptId) >> 6, 3);
    // autoconfig_16550a(): with DLAB set, offset 2 must not read as an EFR (zero).
    outb(uart, kLineControl, kConfModeA);
    EXPECT_NE(inb(uart, kInterruptId), 0);
    outb(uart, kLineControl, kConfModeB);
    EXPECT_NE(inb(uart, kInterruptId), 0);
    // No 64-byte FIFO mode (TI16750 test): IIR bit 5 stays clear.
    outb(uart, kLineControl, 0);
    outb(uart, kInterruptId, fcr::kEnable | kFcr64Byte);
    EXPECT_EQ(inb(uart, kInterruptId) >> 5, 6);
    // FIFOs off: the top bits read 0, as on an 8250/16450.
    outb(uart, kInterruptId, 0);
    EXPECT_EQ(inb(uart, kInterruptId), static_cast<uint8_t>(InterruptId::None));
}

TEST(Serial8250Probe, DivisorLatchSharesOffsetsZeroAndOne) {
    auto uart = make_uart();
    int transmitted = 0;
    uart.set_output_observer([&](uint8_t) { ++transmitted; });
    outb(uart, kLineControl, lcr::kDlab | lcr::kWordLength8);
    outb(uart, kData, 0x01);
    outb(uart, kInterruptEnable, 0x02);
    EXPECT_EQ(inb(uart, kData), 0x01);
    EXPECT_EQ(inb(uart, kInterruptEnable), 0x02);
    outb(uart, kLineControl, lcr::kWordLength8);
    // The divisor writes touched neither IER nor the transmitter.
    EXPECT_EQ(inb(uart, kInterruptEnable), 0);
    EXPECT_EQ(transmitted, 0);
    EXPECT_EQ(inb(uart, kLineControl), lcr::kWordLength8);
    outb(uart, kLineControl, lcr::kDlab);
    EXPECT_EQ(inb(uart, kData), 0x01);
    EXPECT_EQ(inb(uart, kInterruptEnable), 0x02);
}

TEST(Serial8250Probe, LineStatusReportsAnAlwaysEmptyTransmitterAndReceivedData) {
    auto uart = make_uart();
    EXPECT_EQ(inb(uart, kLineStatus), lsr::kThrEmpty | lsr::kTxEmpty);
    const uint8_t input[] = {'a', 'b'};
    uart.enqueue_input(input);
    EXPECT_EQ(inb(uart, kLineStatus), lsr::kThrEmpty | lsr::kTxEmpty | lsr::kDataReady);
    EXPECT_EQ(inb(uart, kData), 'a');
    EXPECT_EQ(inb(uart, kData), 'b');
    EXPECT_EQ(inb(uart, kLineStatus), lsr::kThrEmpty | lsr::kTxEmpty);
    EXPECT_EQ(inb(uart, kData), 0);  // An empty receiver reads as zero.
}

TEST(Serial8250Probe, FifoClearDropsOnlyWhatTheFifoHolds) {
    auto uart = make_uart();
    std::vector<uint8_t> input(100);
    for (size_t i = 0; i < input.size(); ++i)
        input[i] = static_cast<uint8_t>(i);
    uart.enqueue_input(input);
    outb(uart, kInterruptId, fcr::kEnable);  // Turning the FIFOs on resets them.
    EXPECT_EQ(inb(uart, kData), Serial8250::kFifoSize);
    outb(uart, kInterruptId, fcr::kEnable | fcr::kClearRx);
    // The 35 bytes left all sat in the FIFO, so the clear took them.
    EXPECT_FALSE(inb(uart, kLineStatus) & lsr::kDataReady);
}

TEST(Serial8250Probe, AccessesOutsideTheRegistersAreHarmless) {
    auto uart = make_uart();
    std::array<uint8_t, 4> data{1, 2, 3, 4};
    uart.write(Serial8250::kSize, data);
    uart.write(~0ull, data);
    uart.read(~0ull - 1, data);
    EXPECT_EQ(data, (std::array<uint8_t, 4>{0xff, 0xff, 0xff, 0xff}));
    // A wide access at offset 6 reaches MSR and SCR, then nothing.
    uart.write(6, data);
    EXPECT_EQ(inb(uart, kScratch), 0xff);
}

}  // namespace
}  // namespace zapotec::legacy
