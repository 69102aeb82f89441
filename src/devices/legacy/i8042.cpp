// The i8042 keyboard controller: command decoding, the output queue and the keyboard replies.
#include "devices/legacy/i8042.hpp"

#include <algorithm>
#include <utility>

namespace zapotec::legacy {

using namespace i8042;

namespace {

// Commands a PS/2 keyboard takes on port 0x60.
enum class KeyboardCommand : uint8_t {
    SetLeds = 0xed,  // Takes a parameter byte.
    Echo = 0xee,
    ScanCodeSet = 0xf0,  // Takes a parameter byte; 0 asks for the current set.
    Identify = 0xf2,
    SetTypematic = 0xf3,  // Takes a parameter byte.
    Reset = 0xff,
};

inline constexpr uint8_t kKeyboardIdFirst = 0xab;
inline constexpr uint8_t kKeyboardIdSecond = 0x83;            // As the keyboard sends it.
inline constexpr uint8_t kKeyboardIdSecondTranslated = 0x41;  // After set 1 translation.
inline constexpr uint8_t kScanCodeSet2 = 0x02;

// Ctrl, Alt and Delete pressed, then released in reverse order.
inline constexpr std::array<uint8_t, 8> kCtrlAltDelSet1{0x1d, 0x38, 0xe0, 0x53,
                                                        0xe0, 0xd3, 0xb8, 0x9d};
inline constexpr std::array<uint8_t, 11> kCtrlAltDelSet2{0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0,
                                                         0x71, 0xf0, 0x11, 0xf0, 0x14};

bool takes_data_byte(uint8_t command) {
    bool write_ram = command >= static_cast<uint8_t>(Command::WriteRam) &&
                     command < static_cast<uint8_t>(Command::WriteRam) + I8042::kRamSize;
    return write_ram || command == static_cast<uint8_t>(Command::WriteOutputPort) ||
           command == static_cast<uint8_t>(Command::WriteKeyboardOutput) ||
           command == static_cast<uint8_t>(Command::WriteAuxOutput) ||
           command == static_cast<uint8_t>(Command::WriteToAux);
}

}  // namespace

I8042::I8042(std::shared_ptr<IrqLine> keyboard_irq, std::function<void()> on_reset)
    : irq_(std::move(keyboard_irq)), on_reset_(std::move(on_reset)) {}

void I8042::read(uint64_t offset, std::span<uint8_t> data) {
    std::ranges::fill(data, 0xff);
    Effects effects;
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size() && offset < kSize && i < kSize - offset; ++i) {
            if (offset + i == kDataOffset)
                data[i] = read_data(effects);
            else if (offset + i == kCommandOffset)
                data[i] = read_status();
        }
    }
    finish(effects);
}

void I8042::write(uint64_t offset, std::span<const uint8_t> data) {
    Effects effects;
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size() && offset < kSize && i < kSize - offset; ++i) {
            if (offset + i == kDataOffset)
                write_data(data[i], effects);
            else if (offset + i == kCommandOffset)
                write_command(data[i], effects);
        }
    }
    finish(effects);
}

void I8042::finish(const Effects& effects) {
    if (effects.pulse && irq_)
        irq_->trigger();
    if (effects.reset && on_reset_)
        on_reset_();
}

uint8_t I8042::read_data(Effects& effects) {
    if (output_.empty())
        return last_output_;
    last_output_ = output_.front();
    output_.pop_front();
    // Each byte is its own interrupt: Linux's handler reads one byte per IRQ.
    if (!output_.empty() && (command_byte() & ctr::kKeyboardInterrupt))
        effects.pulse = true;
    return last_output_;
}

uint8_t I8042::read_status() const {
    uint8_t value = status::kNotInhibited;
    if (!output_.empty())
        value |= status::kOutputFull;
    if (command_byte() & ctr::kSystemFlag)
        value |= status::kSystemFlag;
    if (last_was_command_)
        value |= status::kLastWasCommand;
    return value;
}

void I8042::write_command(uint8_t command, Effects& effects) {
    last_was_command_ = true;
    pending_command_ = 0;
    if (takes_data_byte(command)) {
        pending_command_ = command;
        return;
    }
    auto read_ram_first = static_cast<uint8_t>(Command::ReadRam);
    if (command >= read_ram_first && command < read_ram_first + kRamSize) {
        reply(ram_[command - read_ram_first], effects);
        return;
    }
    if (command >= static_cast<uint8_t>(Command::PulseOutputLines)) {
        if (!(command & output_port::kResetInactive))
            effects.reset = true;
        return;
    }
    switch (static_cast<Command>(command)) {
        case Command::DisableAux:
            command_byte() |= ctr::kAuxDisabled;
            break;
        case Command::EnableAux:
            command_byte() &= static_cast<uint8_t>(~ctr::kAuxDisabled);
            break;
        case Command::AuxInterfaceTest:
            reply(kAuxClockStuckHigh, effects);
            break;
        case Command::SelfTest:
            reply(kSelfTestPassed, effects);
            break;
        case Command::KeyboardInterfaceTest:
            reply(kInterfaceTestPassed, effects);
            break;
        case Command::DisableKeyboard:
            command_byte() |= ctr::kKeyboardDisabled;
            break;
        case Command::EnableKeyboard:
            command_byte() &= static_cast<uint8_t>(~ctr::kKeyboardDisabled);
            break;
        case Command::ReadInputPort:
            reply(0, effects);
            break;
        case Command::ReadOutputPort:
            reply(output_port_, effects);
            break;
        default:
            break;  // Unknown commands are ignored, as a real controller does.
    }
}

void I8042::write_data(uint8_t value, Effects& effects) {
    last_was_command_ = false;
    uint8_t command = std::exchange(pending_command_, 0);
    if (command == 0) {
        write_keyboard(value, effects);
        return;
    }
    auto write_ram_first = static_cast<uint8_t>(Command::WriteRam);
    if (command >= write_ram_first && command < write_ram_first + kRamSize) {
        bool interrupts_were_off = !(command_byte() & ctr::kKeyboardInterrupt);
        ram_[command - write_ram_first] = value;
        // Enabling the keyboard interrupt with a byte already waiting raises it.
        if (interrupts_were_off && (command_byte() & ctr::kKeyboardInterrupt) && !output_.empty())
            effects.pulse = true;
        return;
    }
    switch (static_cast<Command>(command)) {
        case Command::WriteOutputPort:
            write_output_port(value, effects);
            break;
        case Command::WriteKeyboardOutput:
            push_output(value, effects);
            break;
        case Command::WriteAuxOutput:
            // Echoed as keyboard data, so Linux's AUX loopback probe fails at once (no mouse).
            reply(value, effects);
            break;
        default:
            break;  // Bytes for the absent AUX device go nowhere.
    }
}

void I8042::write_output_port(uint8_t value, Effects& effects) {
    output_port_ = value;
    if (!(value & output_port::kResetInactive))
        effects.reset = true;
}

void I8042::write_keyboard(uint8_t value, Effects& effects) {
    auto parameter_of = static_cast<KeyboardCommand>(std::exchange(pending_keyboard_command_, 0));
    if (parameter_of == KeyboardCommand::SetLeds || parameter_of == KeyboardCommand::ScanCodeSet ||
        parameter_of == KeyboardCommand::SetTypematic) {
        push_output(kKeyboardAck, effects);
        if (parameter_of == KeyboardCommand::ScanCodeSet && value == 0)
            push_output(kScanCodeSet2, effects);
        return;
    }
    switch (static_cast<KeyboardCommand>(value)) {
        case KeyboardCommand::SetLeds:
        case KeyboardCommand::ScanCodeSet:
        case KeyboardCommand::SetTypematic:
            pending_keyboard_command_ = value;
            push_output(kKeyboardAck, effects);
            break;
        case KeyboardCommand::Echo:
            push_output(value, effects);
            break;
        case KeyboardCommand::Identify:
            push_output(kKeyboardAck, effects);
            push_output(kKeyboardIdFirst, effects);
            push_output((command_byte() & ctr::kTranslate) ? kKeyboardIdSecondTranslated
                                                           : kKeyboardIdSecond,
                        effects);
            break;
        case KeyboardCommand::Reset:
            push_output(kKeyboardAck, effects);
            push_output(kKeyboardBatPassed, effects);
            break;
        default:
            push_output(kKeyboardAck, effects);
            break;
    }
}

void I8042::reply(uint8_t value, Effects& effects) {
    output_.clear();
    push_output(value, effects);
}

void I8042::push_output(uint8_t value, Effects& effects) {
    if (output_.size() >= kOutputQueueSize)
        return;
    bool was_empty = output_.empty();
    output_.push_back(value);
    if (was_empty && (command_byte() & ctr::kKeyboardInterrupt))
        effects.pulse = true;
}

bool I8042::trigger_ctrl_alt_del() {
    Effects effects;
    {
        std::lock_guard lock(mutex_);
        std::span<const uint8_t> codes = kCtrlAltDelSet1;
        if (!(command_byte() & ctr::kTranslate))
            codes = kCtrlAltDelSet2;
        // Half a sequence would leave keys held down in the guest, so all or nothing.
        if (output_.size() + codes.size() > kOutputQueueSize)
            return false;
        for (uint8_t code : codes)
            push_output(code, effects);
    }
    finish(effects);
    return true;
}

I8042::State I8042::save() const {
    std::lock_guard lock(mutex_);
    State state;
    state.ram = ram_;
    state.output.assign(output_.begin(), output_.end());
    state.pending_command = pending_command_;
    state.pending_keyboard_command = pending_keyboard_command_;
    state.output_port = output_port_;
    state.last_output = last_output_;
    state.last_was_command = last_was_command_;
    return state;
}

Result<> I8042::restore(const State& state) {
    if (state.output.size() > kOutputQueueSize) {
        return make_error("i8042 state holds {} output bytes, more than the {} it can hold",
                          state.output.size(), kOutputQueueSize);
    }
    std::lock_guard lock(mutex_);
    ram_ = state.ram;
    output_.assign(state.output.begin(), state.output.end());
    pending_command_ = takes_data_byte(state.pending_command) ? state.pending_command : 0;
    pending_keyboard_command_ = state.pending_keyboard_command;
    output_port_ = state.output_port;
    last_output_ = state.last_output;
    last_was_command_ = state.last_was_command;
    return {};
}

}  // namespace zapotec::legacy
