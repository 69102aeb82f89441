// libFuzzer target for the legacy port I/O devices: the input is a script of port accesses
// to the UART, the i8042, the CMOS and the ACPI power registers, interleaved with host-side
// events (console input, Ctrl+Alt+Del, snapshot round trips). It checks that no sequence
// crashes, hangs or grows a device's queues past their bounds.
//
// Build by hand with clang 16 (clang 14 cannot compile libstdc++ 12's std::expected<void, E>,
// and both need the __cpp_concepts override before libstdc++ offers <expected> at all):
//   clang++-16 -std=c++2b -g -O1 -fsanitize=fuzzer,address,undefined \
//     -U__cpp_concepts -D__cpp_concepts=202002L -Wno-builtin-macro-redefined \
//     -DSPDLOG_FMT_EXTERNAL -Isrc fuzz/serial_fuzz.cpp src/devices/legacy/{serial,serial_output,\
//     i8042,cmos,acpi_power}.cpp -lspdlog -lfmt -o build/serial_fuzz
#include <fcntl.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "devices/irq_line.hpp"
#include "devices/legacy/acpi_power.hpp"
#include "devices/legacy/cmos.hpp"
#include "devices/legacy/i8042.hpp"
#include "devices/legacy/serial.hpp"

namespace {

using namespace zapotec;
using namespace zapotec::legacy;

// Each step is an opcode byte and a value byte. The opcode's top two bits pick the target,
// bit 5 read or write, bits 0-2 the offset (offsets past a device's range are allowed).
enum class Target : uint8_t { Serial = 0, I8042 = 1, Cmos = 2, Host = 3 };

// What the Host target's offset bits select.
enum class HostEvent : uint8_t {
    ConsoleInput = 0,  // `value` bytes of the script become console input.
    CtrlAltDel = 1,
    SnapshotSerial = 2,
    SnapshotI8042 = 3,
    SnapshotCmos = 4,
    FlushOutput = 5,
    WideSerialAccess = 6,  // A 1-8 byte access at offset value % 8.
    AcpiAccess = 7,        // ACPI register value >> 6 gets value.
};

void check(bool condition) {
    if (!condition)
        std::abort();
}

struct Machine {
    std::shared_ptr<CountingIrqLine> com1_irq = std::make_shared<CountingIrqLine>();
    std::shared_ptr<CountingIrqLine> keyboard_irq = std::make_shared<CountingIrqLine>();
    Serial8250 serial{com1_irq, UniqueFd(::open("/dev/null", O_WRONLY | O_CLOEXEC))};
    int resets = 0;
    int power_offs = 0;
    I8042 i8042{keyboard_irq, [this] { ++resets; }};
    Cmos cmos{512 << 20, 0, [] { return std::time_t{1700000000}; }};
    AcpiPowerDevice acpi{[this] { ++power_offs; }, [this] { ++resets; }};
    uint64_t observed = 0;

    Machine() {
        serial.set_output_observer([this](uint8_t) { ++observed; });
    }

    BusDevice& device(Target target) {
        switch (target) {
            case Target::Serial:
                return serial;
            case Target::I8042:
                return i8042;
            default:
                return cmos;
        }
    }

    void check_invariants() {
        auto uart = serial.save();
        check(uart.rx.size() <= Serial8250::kInputCapacity);
        check((uart.ier & ~uart::ier::kMask) == 0);
        check(i8042.save().output.size() <= I8042::kOutputQueueSize);
        auto stats = serial.stats();
        check(stats.output_bytes + stats.output_dropped <= observed);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Machine machine;
    std::span<const uint8_t> script(data, size);
    while (script.size() >= 2) {
        uint8_t opcode = script[0];
        uint8_t value = script[1];
        script = script.subspan(2);
        auto target = static_cast<Target>(opcode >> 6);
        bool is_write = (opcode & 0x20) != 0;
        uint8_t offset = opcode & 0x07;

        if (target != Target::Host) {
            std::array<uint8_t, 1> byte{value};
            if (is_write) {
                machine.device(target).write(offset, byte);
            } else {
                machine.device(target).read(offset, byte);
                if (target == Target::Serial && offset == uart::kInterruptId)
                    check((byte[0] & 0x30) == 0);  // IIR bits 4-5 never read set.
            }
            continue;
        }
        switch (static_cast<HostEvent>(offset)) {
            case HostEvent::ConsoleInput: {
                size_t count = std::min<size_t>(value, script.size());
                size_t accepted = machine.serial.enqueue_input(script.first(count));
                check(accepted <= count);
                script = script.subspan(count);
                break;
            }
            case HostEvent::CtrlAltDel:
                (void)machine.i8042.trigger_ctrl_alt_del();
                break;
            case HostEvent::SnapshotSerial: {
                auto state = machine.serial.save();
                check(machine.serial.restore(state).has_value());
                check(machine.serial.save().rx == state.rx);
                break;
            }
            case HostEvent::SnapshotI8042: {
                auto state = machine.i8042.save();
                I8042 copy(nullptr, nullptr);
                check(copy.restore(state).has_value());
                check(copy.save().output == state.output && copy.save().ram == state.ram);
                break;
            }
            case HostEvent::SnapshotCmos: {
                auto state = machine.cmos.save();
                check(machine.cmos.restore(state).has_value());
                break;
            }
            case HostEvent::FlushOutput:
                machine.serial.flush_output();
                break;
            case HostEvent::WideSerialAccess: {
                std::array<uint8_t, 8> wide{};
                wide.fill(value);
                auto access = std::span(wide).first(static_cast<size_t>(value % 8) + 1);
                if (is_write)
                    machine.serial.write(value % 8, access);
                else
                    machine.serial.read(value % 8, access);
                break;
            }
            case HostEvent::AcpiAccess: {
                std::array<uint8_t, 1> byte{value};
                if (is_write)
                    machine.acpi.write(value >> 6, byte);
                else
                    machine.acpi.read(value >> 6, byte);
                break;
            }
        }
    }
    machine.check_invariants();
    return 0;
}
