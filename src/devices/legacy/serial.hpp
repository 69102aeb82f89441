// A 16550A-compatible UART (the PC's 8250 family) for the guest console on COM1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "bus/bus_device.hpp"
#include "devices/irq_line.hpp"
#include "devices/legacy/serial_output.hpp"
#include "devices/legacy/uart_registers.hpp"

namespace zapotec::legacy {

// Emulates what Linux's 8250 driver relies on: the scratch and loopback probes, FIFO
// detection through FCR/IIR, the divisor latch, line and modem status, and interrupts with
// the 16550A's priorities (line status > received data > THR empty > modem status).
//
// Transmission is instantaneous: THR and the transmitter always read empty, and each byte
// written to THR goes straight to the output sink and the output observer.
//
// Received bytes wait in one bounded queue: its first kFifoSize bytes are the UART's receive
// FIFO and the rest a host-side buffer that refills the FIFO as the guest reads. Input beyond
// kInputCapacity is dropped, counted, and reported to the guest as an overrun.
//
// Interrupts: the device models its interrupt output as a level (some interrupt pending) and
// pulses the IrqLine on each rising edge, which is what the edge-triggered ISA IRQ on the
// IOAPIC sees from real hardware. The THR-empty interrupt follows the 16550A: it is raised when
// IER.THRI goes from 0 to 1 (THR is always empty here) and after each THR write, and cleared by
// an IIR read that reports it or by the THR write itself. Linux's UART_BUG_THRE and
// UART_BUG_TXEN probes depend on exactly that.
//
// Each access is one port I/O of data.size() bytes; byte i reaches register offset + i, as an
// 8-bit ISA device would see a wider access. For string I/O (rep outsb) call write() once per
// element. read() and write() run on vCPU threads, enqueue_input() on the event loop; one
// mutex guards the state. The IrqLine and the output observer are called without it held.
class Serial8250 final : public BusDevice {
  public:
    static constexpr uint64_t kSize = uart::kRegisterCount;
    static constexpr size_t kFifoSize = 64;
    static constexpr size_t kHostBufferSize = 4096;
    static constexpr size_t kInputCapacity = kFifoSize + kHostBufferSize;
    // With no modem attached the lines read as carrier present and clear to send.
    static constexpr uint8_t kIdleModemStatus = uart::msr::kDcd | uart::msr::kDsr | uart::msr::kCts;
    static constexpr uint16_t kDefaultDivisor = 12;  // 9600 baud from the 1.8432 MHz clock.

    // Everything the guest can observe, for snapshots.
    struct State {
        uint8_t ier = 0;
        uint8_t lcr = uart::lcr::kWordLength8;
        uint8_t mcr = uart::mcr::kOut2;
        uint8_t lsr_errors = 0;  // Overrun/parity/framing/break, cleared by reading LSR.
        uint8_t msr = kIdleModemStatus;
        uint8_t scr = 0;
        uint8_t dll = kDefaultDivisor & 0xff;
        uint8_t dlm = kDefaultDivisor >> 8;
        uint8_t fcr = 0;            // FIFO enable and receive trigger level, as last written.
        bool thre_pending = false;  // The THR-empty interrupt is latched.
        std::vector<uint8_t> rx;    // Received bytes the guest has not read, oldest first.
    };

    struct Stats {
        uint64_t output_bytes = 0;    // Written to the sink.
        uint64_t output_dropped = 0;  // Lost because the sink would block or failed.
        uint64_t input_dropped = 0;   // Lost because the receive queue was full.
    };

    using OutputObserver = std::function<void(uint8_t)>;

    // `irq` may be null (a UART without an interrupt line); `output` may be invalid, and then
    // transmitted bytes reach only the observer. Use open_output_sink() for stdout.
    Serial8250(std::shared_ptr<IrqLine> irq, UniqueFd output);
    ~Serial8250() override;

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Queues bytes from the host for the guest; returns how many were accepted.
    size_t enqueue_input(std::span<const uint8_t> bytes);
    // Called on the vCPU thread with each byte the guest transmits (not loopback bytes).
    void set_output_observer(OutputObserver observer);
    // Writes out buffered output now (the VMM calls it before exiting, or from a timer).
    void flush_output();
    Stats stats() const;

    // save() flushes buffered output first, so that the snapshot has nothing in flight.
    State save();
    // Replaces the guest-visible state; fails, leaving the device as it was, when the state
    // holds more input than the device could. Does not pulse the interrupt line: the
    // interrupt controller's own state is restored separately.
    [[nodiscard]] Result<> restore(const State& state);

  private:
    uint8_t read_register(uint64_t offset);
    void write_register(uint64_t offset, uint8_t value, std::optional<uint8_t>& transmitted);
    void write_ier(uint8_t value);
    void write_fcr(uint8_t value);
    void write_mcr(uint8_t value);
    uint8_t read_iir();
    uint8_t read_lsr();
    void receive_loopback(uint8_t byte);
    void clear_rx_fifo();
    uart::InterruptId pending_interrupt() const;
    // Recomputes the interrupt level; true when it rose and the line should be pulsed.
    [[nodiscard]] bool update_interrupt();
    bool dlab() const { return (lcr_ & uart::lcr::kDlab) != 0; }
    bool loopback() const { return (mcr_ & uart::mcr::kLoop) != 0; }

    const std::shared_ptr<IrqLine> irq_;
    mutable std::mutex mutex_;
    SerialOutput output_;
    std::shared_ptr<const OutputObserver> observer_;

    uint8_t ier_ = 0;
    uint8_t lcr_ = uart::lcr::kWordLength8;
    uint8_t mcr_ = uart::mcr::kOut2;
    uint8_t lsr_errors_ = 0;
    uint8_t msr_ = kIdleModemStatus;
    uint8_t scr_ = 0;
    uint8_t dll_ = kDefaultDivisor & 0xff;
    uint8_t dlm_ = kDefaultDivisor >> 8;
    uint8_t fcr_ = 0;
    bool thre_pending_ = false;
    bool interrupt_level_ = false;
    std::deque<uint8_t> rx_;
    uint64_t input_dropped_ = 0;
};

}  // namespace zapotec::legacy
