// The 16550A UART's register file, receive queue and interrupt logic.
#include "devices/legacy/serial.hpp"

#include <algorithm>
#include <utility>

namespace zapotec::legacy {

using namespace uart;

namespace {

// In loopback mode the modem control outputs are wired back to the modem status inputs.
uint8_t looped_modem_status(uint8_t mcr_value) {
    uint8_t status = 0;
    if (mcr_value & mcr::kRts)
        status |= msr::kCts;
    if (mcr_value & mcr::kDtr)
        status |= msr::kDsr;
    if (mcr_value & mcr::kOut1)
        status |= msr::kRi;
    if (mcr_value & mcr::kOut2)
        status |= msr::kDcd;
    return status;
}

// The number of bytes of an access at `offset` that land inside the device's registers.
size_t bytes_in_range(uint64_t offset, size_t size) {
    if (offset >= Serial8250::kSize)
        return 0;
    return std::min<uint64_t>(size, Serial8250::kSize - offset);
}

}  // namespace

Serial8250::Serial8250(std::shared_ptr<IrqLine> irq, UniqueFd output)
    : irq_(std::move(irq)), output_(std::move(output)) {}

Serial8250::~Serial8250() {
    std::lock_guard lock(mutex_);
    output_.flush();
}

void Serial8250::read(uint64_t offset, std::span<uint8_t> data) {
    std::ranges::fill(data, 0xff);
    bool pulse = false;
    {
        std::lock_guard lock(mutex_);
        size_t count = bytes_in_range(offset, data.size());
        for (size_t i = 0; i < count; ++i) {
            uint64_t reg = offset + i;
            // Polling LSR is how a driver waits between output bytes, so it does not end a
            // burst; anything else does.
            if (reg == kLineStatus)
                output_.flush_if_stale();
            else
                output_.flush();
            data[i] = read_register(reg);
        }
        pulse = update_interrupt();
    }
    if (pulse)
        irq_->trigger();
}

void Serial8250::write(uint64_t offset, std::span<const uint8_t> data) {
    bool pulse = false;
    std::optional<uint8_t> transmitted;
    std::shared_ptr<const OutputObserver> observer;
    {
        std::lock_guard lock(mutex_);
        size_t count = bytes_in_range(offset, data.size());
        for (size_t i = 0; i < count; ++i) {
            uint64_t reg = offset + i;
            bool is_thr = reg == kData && !dlab();
            if (is_thr)
                output_.flush_if_stale();
            else
                output_.flush();
            write_register(reg, data[i], transmitted);
        }
        pulse = update_interrupt();
        if (transmitted)
            observer = observer_;
    }
    if (pulse)
        irq_->trigger();
    if (observer && *observer)
        (*observer)(*transmitted);
}

size_t Serial8250::enqueue_input(std::span<const uint8_t> bytes) {
    bool pulse = false;
    size_t accepted = 0;
    {
        std::lock_guard lock(mutex_);
        accepted = std::min(bytes.size(), kInputCapacity - rx_.size());
        rx_.insert(rx_.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(accepted));
        if (accepted < bytes.size()) {
            input_dropped_ += bytes.size() - accepted;
            lsr_errors_ |= lsr::kOverrun;
        }
        pulse = update_interrupt();
    }
    if (pulse)
        irq_->trigger();
    return accepted;
}

void Serial8250::set_output_observer(OutputObserver observer) {
    auto shared = std::make_shared<const OutputObserver>(std::move(observer));
    std::lock_guard lock(mutex_);
    observer_ = std::move(shared);
}

void Serial8250::flush_output() {
    std::lock_guard lock(mutex_);
    output_.flush();
}

Serial8250::Stats Serial8250::stats() const {
    std::lock_guard lock(mutex_);
    return Stats{output_.written(), output_.dropped(), input_dropped_};
}

uint8_t Serial8250::read_register(uint64_t offset) {
    switch (offset) {
        case kData: {
            if (dlab())
                return dll_;
            if (rx_.empty())
                return 0;
            uint8_t byte = rx_.front();
            rx_.pop_front();
            return byte;
        }
        case kInterruptEnable:
            return dlab() ? dlm_ : ier_;
        case kInterruptId:
            return read_iir();
        case kLineControl:
            return lcr_;
        case kModemControl:
            return mcr_;
        case kLineStatus:
            return read_lsr();
        case kModemStatus: {
            uint8_t value = msr_;
            msr_ &= static_cast<uint8_t>(~msr::kDeltaMask);
            return value;
        }
        case kScratch:
            return scr_;
        default:
            return 0xff;
    }
}

void Serial8250::write_register(uint64_t offset, uint8_t value,
                                std::optional<uint8_t>& transmitted) {
    switch (offset) {
        case kData:
            if (dlab()) {
                dll_ = value;
            } else if (loopback()) {
                receive_loopback(value);
                thre_pending_ = true;
            } else {
                output_.push(value);
                transmitted = value;
                thre_pending_ = true;  // The byte left at once; THR is empty again.
            }
            break;
        case kInterruptEnable:
            if (dlab())
                dlm_ = value;
            else
                write_ier(value);
            break;
        case kInterruptId:
            write_fcr(value);
            break;
        case kLineControl:
            lcr_ = value;
            break;
        case kModemControl:
            write_mcr(value);
            break;
        case kScratch:
            scr_ = value;
            break;
        default:
            break;  // LSR and MSR are read only.
    }
}

void Serial8250::write_ier(uint8_t value) {
    value &= ier::kMask;
    // A 16550A re-raises THR empty when the guest enables it and THR is empty, even if an
    // earlier IIR read had cleared it; Linux's THRE probe toggles IER to check for this.
    if (!(ier_ & ier::kThrEmpty) && (value & ier::kThrEmpty))
        thre_pending_ = true;
    ier_ = value;
}

void Serial8250::write_fcr(uint8_t value) {
    // Turning the FIFOs on or off resets them, as does the explicit clear bit. There is no
    // transmit FIFO to clear: transmission is instantaneous.
    if (((value ^ fcr_) & fcr::kEnable) || (value & fcr::kClearRx))
        clear_rx_fifo();
    fcr_ = value & (fcr::kEnable | fcr::kTriggerMask);
}

void Serial8250::write_mcr(uint8_t value) {
    mcr_ = value & mcr::kMask;
    uint8_t status = loopback() ? looped_modem_status(mcr_) : kIdleModemStatus;
    uint8_t changed = status ^ (msr_ & msr::kStatusMask);
    uint8_t delta = 0;
    if (changed & msr::kCts)
        delta |= msr::kDeltaCts;
    if (changed & msr::kDsr)
        delta |= msr::kDeltaDsr;
    if ((changed & msr::kRi) && !(status & msr::kRi))
        delta |= msr::kTrailingEdgeRi;
    if (changed & msr::kDcd)
        delta |= msr::kDeltaDcd;
    msr_ = static_cast<uint8_t>(status | (msr_ & msr::kDeltaMask) | delta);
}

uint8_t Serial8250::read_iir() {
    InterruptId id = pending_interrupt();
    // Reading IIR is how a driver acknowledges THR empty; the other sources clear when their
    // cause goes away (data read, LSR read, MSR read).
    if (id == InterruptId::ThrEmpty)
        thre_pending_ = false;
    uint8_t fifo_bits = (fcr_ & fcr::kEnable) ? iir::kFifosEnabled : 0;
    return static_cast<uint8_t>(static_cast<uint8_t>(id) | fifo_bits);
}

uint8_t Serial8250::read_lsr() {
    uint8_t value = lsr_errors_ | lsr::kThrEmpty | lsr::kTxEmpty;
    if (!rx_.empty())
        value |= lsr::kDataReady;
    lsr_errors_ = 0;
    return value;
}

void Serial8250::receive_loopback(uint8_t byte) {
    if (rx_.size() >= kFifoSize) {
        lsr_errors_ |= lsr::kOverrun;
        return;
    }
    rx_.push_back(byte);
}

void Serial8250::clear_rx_fifo() {
    size_t count = std::min(rx_.size(), kFifoSize);
    rx_.erase(rx_.begin(), rx_.begin() + static_cast<ptrdiff_t>(count));
}

InterruptId Serial8250::pending_interrupt() const {
    if ((ier_ & ier::kLineStatus) && lsr_errors_ != 0)
        return InterruptId::LineStatus;
    if ((ier_ & ier::kRxData) && !rx_.empty())
        return InterruptId::RxData;
    if ((ier_ & ier::kThrEmpty) && thre_pending_)
        return InterruptId::ThrEmpty;
    if ((ier_ & ier::kModemStatus) && (msr_ & msr::kDeltaMask) != 0)
        return InterruptId::ModemStatus;
    return InterruptId::None;
}

bool Serial8250::update_interrupt() {
    bool level = pending_interrupt() != InterruptId::None;
    bool rose = level && !interrupt_level_;
    interrupt_level_ = level;
    return rose && irq_ != nullptr;
}

Serial8250::State Serial8250::save() {
    std::lock_guard lock(mutex_);
    output_.flush();
    State state;
    state.ier = ier_;
    state.lcr = lcr_;
    state.mcr = mcr_;
    state.lsr_errors = lsr_errors_;
    state.msr = msr_;
    state.scr = scr_;
    state.dll = dll_;
    state.dlm = dlm_;
    state.fcr = fcr_;
    state.thre_pending = thre_pending_;
    state.rx.assign(rx_.begin(), rx_.end());
    return state;
}

Result<> Serial8250::restore(const State& state) {
    if (state.rx.size() > kInputCapacity) {
        return make_error("serial state holds {} received bytes, more than the {} it can hold",
                          state.rx.size(), kInputCapacity);
    }
    std::lock_guard lock(mutex_);
    ier_ = state.ier & ier::kMask;
    lcr_ = state.lcr;
    mcr_ = state.mcr & mcr::kMask;
    lsr_errors_ = state.lsr_errors & lsr::kErrorMask;
    msr_ = state.msr;
    scr_ = state.scr;
    dll_ = state.dll;
    dlm_ = state.dlm;
    fcr_ = state.fcr & (fcr::kEnable | fcr::kTriggerMask);
    thre_pending_ = state.thre_pending;
    rx_.assign(state.rx.begin(), state.rx.end());
    interrupt_level_ = pending_interrupt() != InterruptId::None;
    return {};
}

}  // namespace zapotec::legacy
