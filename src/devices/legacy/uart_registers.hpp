// Register offsets and bit fields of the 16550A UART, named after the datasheet and the
// constants of Linux's 8250 driver so the two can be read side by side.
#pragma once

#include <cstdint>

namespace zapotec::legacy::uart {

// Offsets from the base port. With LCR.DLAB set, offsets 0 and 1 reach the divisor latch.
inline constexpr uint64_t kData = 0;             // RBR (read), THR (write), DLL (DLAB).
inline constexpr uint64_t kInterruptEnable = 1;  // IER, DLM (DLAB).
inline constexpr uint64_t kInterruptId = 2;      // IIR (read), FCR (write).
inline constexpr uint64_t kLineControl = 3;      // LCR.
inline constexpr uint64_t kModemControl = 4;     // MCR.
inline constexpr uint64_t kLineStatus = 5;       // LSR (read only).
inline constexpr uint64_t kModemStatus = 6;      // MSR (read only).
inline constexpr uint64_t kScratch = 7;          // SCR.
inline constexpr uint64_t kRegisterCount = 8;

// IER: which conditions raise the interrupt. The upper four bits do not exist on a 16550A.
namespace ier {
inline constexpr uint8_t kRxData = 0x01;
inline constexpr uint8_t kThrEmpty = 0x02;
inline constexpr uint8_t kLineStatus = 0x04;
inline constexpr uint8_t kModemStatus = 0x08;
inline constexpr uint8_t kMask = 0x0f;
}  // namespace ier

// IIR bits 0-3: the highest-priority pending interrupt (an encoding, not a bit mask).
enum class InterruptId : uint8_t {
    ModemStatus = 0x00,
    None = 0x01,
    ThrEmpty = 0x02,
    RxData = 0x04,
    LineStatus = 0x06,
};

namespace iir {
inline constexpr uint8_t kFifosEnabled = 0xc0;  // Bits 6-7 read 11 on a 16550A with FIFOs on.
}  // namespace iir

// FCR (write only).
namespace fcr {
inline constexpr uint8_t kEnable = 0x01;
inline constexpr uint8_t kClearRx = 0x02;
inline constexpr uint8_t kClearTx = 0x04;
inline constexpr uint8_t kTriggerMask = 0xc0;
}  // namespace fcr

namespace lcr {
inline constexpr uint8_t kWordLength8 = 0x03;
inline constexpr uint8_t kDlab = 0x80;
}  // namespace lcr

namespace mcr {
inline constexpr uint8_t kDtr = 0x01;
inline constexpr uint8_t kRts = 0x02;
inline constexpr uint8_t kOut1 = 0x04;
inline constexpr uint8_t kOut2 = 0x08;
inline constexpr uint8_t kLoop = 0x10;
inline constexpr uint8_t kMask = 0x1f;
}  // namespace mcr

namespace lsr {
inline constexpr uint8_t kDataReady = 0x01;
inline constexpr uint8_t kOverrun = 0x02;
inline constexpr uint8_t kParity = 0x04;
inline constexpr uint8_t kFraming = 0x08;
inline constexpr uint8_t kBreak = 0x10;
inline constexpr uint8_t kThrEmpty = 0x20;
inline constexpr uint8_t kTxEmpty = 0x40;
// The conditions that raise a line-status interrupt and are cleared by reading LSR.
inline constexpr uint8_t kErrorMask = kOverrun | kParity | kFraming | kBreak;
}  // namespace lsr

namespace msr {
inline constexpr uint8_t kDeltaCts = 0x01;
inline constexpr uint8_t kDeltaDsr = 0x02;
inline constexpr uint8_t kTrailingEdgeRi = 0x04;
inline constexpr uint8_t kDeltaDcd = 0x08;
inline constexpr uint8_t kCts = 0x10;
inline constexpr uint8_t kDsr = 0x20;
inline constexpr uint8_t kRi = 0x40;
inline constexpr uint8_t kDcd = 0x80;
inline constexpr uint8_t kDeltaMask = 0x0f;
inline constexpr uint8_t kStatusMask = 0xf0;
}  // namespace msr

}  // namespace zapotec::legacy::uart
