// The PC keyboard controller (i8042) at ports 0x60/0x64, with just enough of a keyboard
// behind it for Linux to probe it, reset the machine through it, and get Ctrl+Alt+Del.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/error.hpp"
#include "bus/bus_device.hpp"
#include "devices/irq_line.hpp"

namespace zapotec::legacy {

namespace i8042 {

// Offsets from kI8042Port (0x60); the device covers five ports, 0x61-0x63 are not its own.
inline constexpr uint64_t kDataOffset = 0;     // 0x60: output buffer (read), input (write).
inline constexpr uint64_t kCommandOffset = 4;  // 0x64: status (read), command (write).

// Status register bits.
namespace status {
inline constexpr uint8_t kOutputFull = 0x01;
inline constexpr uint8_t kSystemFlag = 0x04;      // Mirrors the command byte's system flag.
inline constexpr uint8_t kLastWasCommand = 0x08;  // The last write went to port 0x64.
inline constexpr uint8_t kNotInhibited = 0x10;    // The keylock is open.
}  // namespace status

// The command byte (controller RAM byte 0) bits.
namespace ctr {
inline constexpr uint8_t kKeyboardInterrupt = 0x01;
inline constexpr uint8_t kAuxInterrupt = 0x02;
inline constexpr uint8_t kSystemFlag = 0x04;
inline constexpr uint8_t kKeyboardDisabled = 0x10;
inline constexpr uint8_t kAuxDisabled = 0x20;
inline constexpr uint8_t kTranslate = 0x40;  // Convert the keyboard's set 2 codes to set 1.
// What the firmware leaves behind: keyboard interrupt on, POST passed, translation on.
inline constexpr uint8_t kDefault = kKeyboardInterrupt | kSystemFlag | kTranslate;
}  // namespace ctr

// Output port bits (commands 0xD0/0xD1).
namespace output_port {
inline constexpr uint8_t kResetInactive = 0x01;  // Clearing it resets the CPU.
inline constexpr uint8_t kA20 = 0x02;
inline constexpr uint8_t kDefault = kResetInactive | kA20;
}  // namespace output_port

// Commands written to port 0x64.
enum class Command : uint8_t {
    ReadRam = 0x20,   // 0x20-0x3f read RAM byte (command & 0x1f); 0x20 reads the command byte.
    WriteRam = 0x60,  // 0x60-0x7f write RAM byte; takes a data byte on port 0x60.
    DisableAux = 0xa7,
    EnableAux = 0xa8,
    AuxInterfaceTest = 0xa9,
    SelfTest = 0xaa,
    KeyboardInterfaceTest = 0xab,
    DisableKeyboard = 0xad,
    EnableKeyboard = 0xae,
    ReadInputPort = 0xc0,
    ReadOutputPort = 0xd0,
    WriteOutputPort = 0xd1,
    WriteKeyboardOutput = 0xd2,
    WriteAuxOutput = 0xd3,
    WriteToAux = 0xd4,
    PulseOutputLines = 0xf0,  // 0xf0-0xff: pulse the lines whose bit is 0; bit 0 is reset.
    PulseResetLine = 0xfe,
};

// Bytes the controller and the keyboard answer with.
inline constexpr uint8_t kSelfTestPassed = 0x55;
inline constexpr uint8_t kInterfaceTestPassed = 0x00;
inline constexpr uint8_t kAuxClockStuckHigh = 0x02;
inline constexpr uint8_t kKeyboardAck = 0xfa;
inline constexpr uint8_t kKeyboardBatPassed = 0xaa;

}  // namespace i8042

// There is no mouse. Linux decides that quickly: the AUX loopback command echoes its byte
// without the AUX status bit, and the AUX interface test then reports a stuck clock line.
// Bytes for the guest wait in a queue of kOutputQueueSize (the depth Linux flushes); each
// byte that becomes readable pulses IRQ 1 when the command byte enables keyboard interrupts.
// A controller command's reply replaces whatever was unread.
class I8042 final : public BusDevice {
  public:
    static constexpr uint64_t kSize = 5;
    static constexpr size_t kOutputQueueSize = 16;
    static constexpr size_t kRamSize = 32;

    struct State {
        std::array<uint8_t, kRamSize> ram{i8042::ctr::kDefault};  // ram[0] is the command byte.
        std::vector<uint8_t> output;           // Bytes waiting for the guest, oldest first.
        uint8_t pending_command = 0;           // A controller command waiting for its data byte.
        uint8_t pending_keyboard_command = 0;  // A keyboard command waiting for its parameter.
        uint8_t output_port = i8042::output_port::kDefault;
        uint8_t last_output = 0;  // What a read of an empty output buffer returns.
        bool last_was_command = false;
    };

    // `keyboard_irq` (IRQ 1) may be null. `on_reset` runs on the vCPU thread that pulsed the
    // reset line, without the device lock held.
    I8042(std::shared_ptr<IrqLine> keyboard_irq, std::function<void()> on_reset);

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Types Ctrl+Alt+Del (presses and releases, in the scan code set the guest reads).
    // Returns false, queueing nothing, when the guest has left too many bytes unread.
    bool trigger_ctrl_alt_del();

    State save() const;
    [[nodiscard]] Result<> restore(const State& state);

  private:
    struct Effects {
        bool pulse = false;
        bool reset = false;
    };

    uint8_t read_data(Effects& effects);
    uint8_t read_status() const;
    void write_command(uint8_t command, Effects& effects);
    void write_data(uint8_t value, Effects& effects);
    void write_keyboard(uint8_t value, Effects& effects);
    // Puts a controller reply in the output buffer, discarding what the guest left unread.
    void reply(uint8_t value, Effects& effects);
    void push_output(uint8_t value, Effects& effects);
    void write_output_port(uint8_t value, Effects& effects);
    uint8_t& command_byte() { return ram_[0]; }
    uint8_t command_byte() const { return ram_[0]; }
    void finish(const Effects& effects);

    const std::shared_ptr<IrqLine> irq_;
    const std::function<void()> on_reset_;
    mutable std::mutex mutex_;
    std::array<uint8_t, kRamSize> ram_{i8042::ctr::kDefault};
    std::deque<uint8_t> output_;
    uint8_t pending_command_ = 0;
    uint8_t pending_keyboard_command_ = 0;
    uint8_t output_port_ = i8042::output_port::kDefault;
    uint8_t last_output_ = 0;
    bool last_was_command_ = false;
};

}  // namespace zapotec::legacy
