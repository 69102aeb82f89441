// The UART's output sink and observer, and its snapshot round trip.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "devices/legacy/serial.hpp"
#include "port_io.hpp"

namespace zapotec::legacy {
namespace {

using namespace uart;
using testing::inb;
using testing::outb;

struct Pipe {
    Pipe(int flags = 0) {
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_CLOEXEC | flags), 0);
        read_end.reset(fds[0]);
        write_end.reset(fds[1]);
    }
    // What is in the pipe now, without waiting.
    std::string drain() {
        int flags = ::fcntl(read_end.get(), F_GETFL);
        ::fcntl(read_end.get(), F_SETFL, flags | O_NONBLOCK);
        std::string out;
        char buffer[4096];
        ssize_t count;
        while ((count = ::read(read_end.get(), buffer, sizeof(buffer))) > 0)
            out.append(buffer, static_cast<size_t>(count));
        return out;
    }
    UniqueFd read_end;
    UniqueFd write_end;
};

void transmit(Serial8250& uart, const std::string& text) {
    for (char c : text) {
        inb(uart, kLineStatus);  // As a polling driver does between bytes.
        outb(uart, kData, static_cast<uint8_t>(c));
    }
}

TEST(Serial8250Output, BytesReachTheSinkAtTheEndOfALine) {
    Pipe pipe;
    Serial8250 uart(nullptr, std::move(pipe.write_end));
    transmit(uart, "hello\n");
    EXPECT_EQ(pipe.drain(), "hello\n");
    EXPECT_EQ(uart.stats().output_bytes, 6u);
}

TEST(Serial8250Output, APartialLineIsWrittenWhenTheBurstEnds) {
    Pipe pipe;
    Serial8250 uart(nullptr, std::move(pipe.write_end));
    transmit(uart, "login: ");
    EXPECT_EQ(pipe.drain(), "");      // Buffered while the guest is still transmitting.
    outb(uart, kInterruptEnable, 0);  // Linux's console_write() ends by restoring IER.
    EXPECT_EQ(pipe.drain(), "login: ");
    transmit(uart, "x");
    uart.flush_output();
    EXPECT_EQ(pipe.drain(), "x");
}

TEST(Serial8250Output, ObserverSeesEveryTransmittedByteButNotLoopback) {
    Pipe pipe;
    Serial8250 uart(nullptr, std::move(pipe.write_end));
    std::string seen;
    uart.set_output_observer([&](uint8_t byte) { seen.push_back(static_cast<char>(byte)); });
    transmit(uart, "ab");
    outb(uart, kModemControl, mcr::kLoop);
    transmit(uart, "c");
    outb(uart, kModemControl, 0);
    transmit(uart, "d");
    uart.flush_output();
    EXPECT_EQ(seen, "abd");
    EXPECT_EQ(pipe.drain(), "abd");
}

TEST(Serial8250Output, AFullSinkDropsAndCountsInsteadOfBlocking) {
    Pipe pipe(O_NONBLOCK);
    int capacity = ::fcntl(pipe.write_end.get(), F_GETPIPE_SZ);
    ASSERT_GT(capacity, 0);
    Serial8250 uart(nullptr, std::move(pipe.write_end));
    std::string line(99, 'z');
    line.push_back('\n');
    size_t total = 0;
    while (total < static_cast<size_t>(capacity) * 2) {
        transmit(uart, line);
        total += line.size();
    }
    auto stats = uart.stats();
    EXPECT_GT(stats.output_dropped, 0u);
    EXPECT_EQ(stats.output_bytes + stats.output_dropped, total);
    EXPECT_EQ(pipe.drain().size(), stats.output_bytes);
}

TEST(Serial8250Output, WithoutASinkOutputOnlyReachesTheObserver) {
    Serial8250 uart(nullptr, UniqueFd());
    int seen = 0;
    uart.set_output_observer([&](uint8_t) { ++seen; });
    transmit(uart, "abc\n");
    EXPECT_EQ(seen, 4);
    EXPECT_EQ(uart.stats().output_dropped, 0u);
}

TEST(Serial8250Input, EventLoopInputAndVcpuReadsInterleaveWithoutLossOrReordering) {
    auto irq = std::make_shared<CountingIrqLine>();
    Serial8250 uart(irq, UniqueFd());
    outb(uart, kInterruptEnable, ier::kRxData);
    constexpr size_t kTotal = 50'000;
    std::thread producer([&] {
        size_t sent = 0;
        while (sent < kTotal) {
            uint8_t chunk[37];
            size_t count = std::min(sizeof(chunk), kTotal - sent);
            for (size_t i = 0; i < count; ++i)
                chunk[i] = static_cast<uint8_t>((sent + i) % 251);
            // Only offer what fits, so nothing is dropped and the order can be checked.
            while (uart.save().rx.size() + count > Serial8250::kInputCapacity)
                std::this_thread::yield();
            sent += uart.enqueue_input(std::span(chunk, count));
        }
    });
    size_t received = 0;
    bool in_order = true;
    while (received < kTotal) {
        if (!(inb(uart, kLineStatus) & lsr::kDataReady))
            continue;
        in_order &= inb(uart, kData) == received % 251;
        ++received;
    }
    producer.join();
    EXPECT_TRUE(in_order);
    EXPECT_EQ(uart.stats().input_dropped, 0u);
    EXPECT_GT(irq->count(), 0u);
}

TEST(SerialOutputSink, PipesAreReopenedNonBlockingWithoutTouchingTheOriginal) {
    Pipe pipe;
    auto sink = open_output_sink(pipe.write_end.get());
    ASSERT_TRUE(sink.has_value()) << sink.error().message();
    EXPECT_TRUE(::fcntl(sink->get(), F_GETFL) & O_NONBLOCK);
    EXPECT_FALSE(::fcntl(pipe.write_end.get(), F_GETFL) & O_NONBLOCK);
    ASSERT_EQ(::write(sink->get(), "ok", 2), 2);
    EXPECT_EQ(pipe.drain(), "ok");
    EXPECT_FALSE(open_output_sink(-1).has_value());
}

TEST(Serial8250State, SaveAndRestoreRoundTrip) {
    auto irq = std::make_shared<CountingIrqLine>();
    Serial8250 original(irq, UniqueFd());
    outb(original, kLineControl, lcr::kDlab);
    outb(original, kData, 0x01);
    outb(original, kInterruptEnable, 0x00);
    outb(original, kLineControl, lcr::kWordLength8);
    outb(original, kInterruptId, fcr::kEnable | 0x80);
    outb(original, kInterruptEnable, ier::kRxData | ier::kThrEmpty);
    outb(original, kModemControl, mcr::kDtr | mcr::kRts | mcr::kOut2);
    outb(original, kScratch, 0x5a);
    const uint8_t input[] = {'s', 'n', 'a', 'p'};
    original.enqueue_input(input);
    inb(original, kData);

    Serial8250::State state = original.save();
    EXPECT_EQ(state.rx, (std::vector<uint8_t>{'n', 'a', 'p'}));
    EXPECT_TRUE(state.thre_pending);

    auto restored_irq = std::make_shared<CountingIrqLine>();
    Serial8250 restored(restored_irq, UniqueFd());
    ASSERT_TRUE(restored.restore(state).has_value());
    EXPECT_EQ(restored_irq->count(), 0u);  // Restoring does not inject an interrupt.

    Serial8250::State again = restored.save();
    EXPECT_EQ(again.ier, state.ier);
    EXPECT_EQ(again.lcr, state.lcr);
    EXPECT_EQ(again.mcr, state.mcr);
    EXPECT_EQ(again.msr, state.msr);
    EXPECT_EQ(again.scr, state.scr);
    EXPECT_EQ(again.dll, state.dll);
    EXPECT_EQ(again.dlm, state.dlm);
    EXPECT_EQ(again.fcr, state.fcr);
    EXPECT_EQ(again.rx, state.rx);

    // Both devices now behave the same.
    for (Serial8250* uart : {&original, &restored}) {
        EXPECT_EQ(inb(*uart, kInterruptId), iir::kFifosEnabled | 0x04);
        EXPECT_EQ(inb(*uart, kData), 'n');
        EXPECT_EQ(inb(*uart, kScratch), 0x5a);
    }
}

TEST(Serial8250State, RestoreRejectsMoreInputThanTheDeviceHolds) {
    Serial8250 uart(nullptr, UniqueFd());
    Serial8250::State state;
    state.rx.assign(Serial8250::kInputCapacity + 1, 'x');
    EXPECT_FALSE(uart.restore(state).has_value());
    EXPECT_FALSE(inb(uart, kLineStatus) & lsr::kDataReady);
}

}  // namespace
}  // namespace zapotec::legacy
