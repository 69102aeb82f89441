// The i8042 keyboard controller as Linux's i8042 and atkbd drivers use it.
#include "devices/legacy/i8042.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "port_io.hpp"

namespace zapotec::legacy {
namespace {

using namespace i8042;
using testing::inb;
using testing::outb;

class I8042Test : public ::testing::Test {
  protected:
    void command(Command value) { outb(controller, kCommandOffset, static_cast<uint8_t>(value)); }
    uint8_t status() { return inb(controller, kCommandOffset); }
    // Reads everything in the output buffer, as i8042_flush() does.
    std::vector<uint8_t> drain() {
        std::vector<uint8_t> bytes;
        while ((status() & status::kOutputFull) && bytes.size() < 64)
            bytes.push_back(inb(controller, kDataOffset));
        return bytes;
    }

    std::shared_ptr<CountingIrqLine> irq = std::make_shared<CountingIrqLine>();
    int resets = 0;
    I8042 controller{irq, [this] { ++resets; }};
};

TEST_F(I8042Test, StatusShowsOnlyTheKeylockAndSystemFlagUntilThereIsData) {
    EXPECT_EQ(status(), status::kNotInhibited | status::kSystemFlag);
    command(Command::SelfTest);
    EXPECT_TRUE(status() & status::kOutputFull);
    EXPECT_TRUE(status() & status::kLastWasCommand);
}

TEST_F(I8042Test, SelfTestAndInterfaceTestPass) {
    command(Command::SelfTest);
    EXPECT_EQ(drain(), std::vector<uint8_t>{kSelfTestPassed});
    command(Command::KeyboardInterfaceTest);
    EXPECT_EQ(drain(), std::vector<uint8_t>{kInterfaceTestPassed});
}

TEST_F(I8042Test, CommandByteReadsAndWrites) {
    command(Command::ReadRam);
    EXPECT_EQ(drain(), std::vector<uint8_t>{ctr::kDefault});
    command(Command::WriteRam);
    outb(controller, kDataOffset, ctr::kSystemFlag | ctr::kKeyboardDisabled);
    command(Command::ReadRam);
    EXPECT_EQ(drain(), std::vector<uint8_t>{ctr::kSystemFlag | ctr::kKeyboardDisabled});
    command(Command::EnableKeyboard);
    command(Command::DisableAux);
    command(Command::ReadRam);
    EXPECT_EQ(drain(), std::vector<uint8_t>{ctr::kSystemFlag | ctr::kAuxDisabled});
    // Clearing the system flag in the command byte clears it in the status register.
    command(Command::WriteRam);
    outb(controller, kDataOffset, 0);
    EXPECT_EQ(status() & status::kSystemFlag, 0);
}

TEST_F(I8042Test, PulsingTheResetLineCallsOnReset) {
    command(Command::SelfTest);
    command(Command::DisableKeyboard);
    command(static_cast<Command>(0xff));  // Pulses no line.
    EXPECT_EQ(resets, 0);
    command(Command::PulseResetLine);
    EXPECT_EQ(resets, 1);
}

TEST_F(I8042Test, ClearingTheResetBitOfTheOutputPortResets) {
    command(Command::WriteOutputPort);
    outb(controller, kDataOffset, output_port::kDefault);  // A20 gate code does this.
    EXPECT_EQ(resets, 0);
    command(Command::WriteOutputPort);
    outb(controller, kDataOffset, output_port::kA20);
    EXPECT_EQ(resets, 1);
}

TEST_F(I8042Test, LinuxFindsNoAuxPortWithoutWaiting) {
    // i8042_check_aux(): the AUX loopback must fail (no AUX status bit) and the AUX interface
    // test must then report an error other than 0x00/0xfa/0xff.
    command(Command::WriteAuxOutput);
    outb(controller, kDataOffset, 0x5a);
    EXPECT_EQ(status() & (status::kOutputFull | 0x20), status::kOutputFull);
    command(Command::AuxInterfaceTest);
    auto reply = drain();
    ASSERT_EQ(reply.size(), 1u);  // The unread loopback byte was replaced.
    EXPECT_NE(reply[0], 0x00);
    EXPECT_NE(reply[0], 0xfa);
    EXPECT_NE(reply[0], 0xff);
}

TEST_F(I8042Test, KeyboardCommandsAreAcknowledgedWithAnInterruptPerByte) {
    outb(controller, kDataOffset, 0xf4);  // Enable scanning.
    EXPECT_EQ(irq->take(), 1u);
    EXPECT_EQ(drain(), std::vector<uint8_t>{kKeyboardAck});
    outb(controller, kDataOffset, 0xff);  // Reset: ACK, then BAT passed.
    EXPECT_EQ(irq->take(), 1u);
    EXPECT_EQ(inb(controller, kDataOffset), kKeyboardAck);
    EXPECT_EQ(irq->take(), 1u);  // The next byte became readable.
    EXPECT_EQ(inb(controller, kDataOffset), kKeyboardBatPassed);
    EXPECT_EQ(irq->take(), 0u);
    outb(controller, kDataOffset, 0xf2);  // Identify, translated.
    EXPECT_EQ(drain(), (std::vector<uint8_t>{kKeyboardAck, 0xab, 0x41}));
    outb(controller, kDataOffset, 0xed);  // Set LEDs takes a parameter, also acknowledged.
    outb(controller, kDataOffset, 0x07);
    EXPECT_EQ(drain(), (std::vector<uint8_t>{kKeyboardAck, kKeyboardAck}));
}

TEST_F(I8042Test, CtrlAltDelIsTypedInTheScanCodeSetTheGuestReads) {
    ASSERT_TRUE(controller.trigger_ctrl_alt_del());
    EXPECT_EQ(irq->take(), 1u);
    std::vector<uint8_t> bytes;
    while (status() & status::kOutputFull) {
        bytes.push_back(inb(controller, kDataOffset));
        irq->take();
    }
    EXPECT_EQ(bytes, (std::vector<uint8_t>{0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d}));

    // Untranslated (set 2), with keyboard interrupts off: queued, but no IRQ.
    command(Command::WriteRam);
    outb(controller, kDataOffset, ctr::kSystemFlag);
    ASSERT_TRUE(controller.trigger_ctrl_alt_del());
    EXPECT_EQ(irq->take(), 0u);
    EXPECT_EQ(drain(), (std::vector<uint8_t>{0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0, 0x71, 0xf0, 0x11,
                                             0xf0, 0x14}));
}

TEST_F(I8042Test, CtrlAltDelQueuesBehindUnreadBytesWithoutAnotherInterrupt) {
    outb(controller, kDataOffset, 0xf4);  // Enable scanning: the ACK is left unread.
    EXPECT_EQ(irq->take(), 1u);
    ASSERT_TRUE(controller.trigger_ctrl_alt_del());
    EXPECT_EQ(irq->take(), 0u);  // The unread ACK's interrupt is still pending.
    EXPECT_EQ(inb(controller, kDataOffset), kKeyboardAck);
    EXPECT_EQ(irq->take(), 1u);  // Reading it makes the first scan code readable.
    EXPECT_EQ(drain(), (std::vector<uint8_t>{0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d}));
}

TEST_F(I8042Test, CtrlAltDelFromAnotherThreadKeepsEachSequenceWhole) {
    // The API thread types while a vCPU thread reads: every sequence arrives whole and in
    // order, none is split by the queue's bound.
    constexpr int kSequences = 200;
    std::atomic<int> sent{0};
    std::thread typist([&] {
        while (sent < kSequences) {
            if (controller.trigger_ctrl_alt_del())
                ++sent;
            else
                std::this_thread::yield();
        }
    });
    std::vector<uint8_t> bytes;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (bytes.size() < kSequences * 8u && std::chrono::steady_clock::now() < deadline) {
        if (status() & status::kOutputFull)
            bytes.push_back(inb(controller, kDataOffset));
    }
    typist.join();
    ASSERT_EQ(bytes.size(), kSequences * 8u);
    const std::vector<uint8_t> sequence{0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d};
    for (size_t at = 0; at < bytes.size(); at += 8)
        ASSERT_TRUE(
            std::equal(sequence.begin(), sequence.end(), bytes.begin() + static_cast<long>(at)));
}

TEST_F(I8042Test, EnablingTheInterruptWithDataWaitingRaisesIt) {
    command(Command::WriteRam);
    outb(controller, kDataOffset, ctr::kSystemFlag | ctr::kTranslate);
    ASSERT_TRUE(controller.trigger_ctrl_alt_del());
    EXPECT_EQ(irq->take(), 0u);
    command(Command::WriteRam);
    outb(controller, kDataOffset, ctr::kDefault);
    EXPECT_EQ(irq->take(), 1u);
}

TEST_F(I8042Test, AGuestThatNeverReadsCannotGrowTheQueue) {
    for (int i = 0; i < 1000; ++i)
        outb(controller, kDataOffset, 0xf4);
    EXPECT_EQ(drain().size(), I8042::kOutputQueueSize);
    for (int i = 0; i < 3; ++i)
        controller.trigger_ctrl_alt_del();
    EXPECT_FALSE(controller.trigger_ctrl_alt_del());  // All or nothing.
    EXPECT_EQ(drain().size(), 16u);
}

TEST_F(I8042Test, UnclaimedPortsAndWideAccessesAreHarmless) {
    EXPECT_EQ(inb(controller, 1), 0xff);
    outb(controller, 2, 0xfe);
    std::array<uint8_t, 8> wide{};
    controller.read(3, wide);  // Offsets 3 and 4 (status), then beyond the device.
    EXPECT_EQ(wide[0], 0xff);
    EXPECT_EQ(wide[1], status::kNotInhibited | status::kSystemFlag);
    EXPECT_EQ(wide[2], 0xff);
    EXPECT_EQ(resets, 0);
}

TEST_F(I8042Test, SaveAndRestoreRoundTrip) {
    command(Command::WriteRam);
    outb(controller, kDataOffset, ctr::kDefault | ctr::kAuxDisabled);
    outb(controller, kDataOffset, 0xf2);
    inb(controller, kDataOffset);
    command(Command::WriteRam);  // Left waiting for its data byte.
    I8042::State state = controller.save();

    I8042 restored(nullptr, nullptr);
    ASSERT_TRUE(restored.restore(state).has_value());
    I8042::State again = restored.save();
    EXPECT_EQ(again.ram, state.ram);
    EXPECT_EQ(again.output, (std::vector<uint8_t>{0xab, 0x41}));
    EXPECT_EQ(again.pending_command, static_cast<uint8_t>(Command::WriteRam));
    outb(restored, kDataOffset, ctr::kSystemFlag);
    EXPECT_EQ(restored.save().ram[0], ctr::kSystemFlag);

    state.output.assign(I8042::kOutputQueueSize + 1, 0);
    EXPECT_FALSE(restored.restore(state).has_value());
}

}  // namespace
}  // namespace zapotec::legacy
