// The boot-timer port reports the magic write once and ignores everything else.
#include "devices/legacy/boot_timer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace zapotec::legacy {
namespace {

struct Recorder {
    std::vector<BootTimer::Clock::duration> reports;
    BootTimer make(BootTimer::Clock::time_point start) {
        return BootTimer(start, [this](BootTimer::Clock::duration d) { reports.push_back(d); });
    }
};

TEST(BootTimer, ReportsTheMagicWriteOnceWithTheTimeSinceStart) {
    Recorder recorder;
    auto start = BootTimer::Clock::now() - std::chrono::milliseconds(5);
    BootTimer timer = recorder.make(start);
    std::array<uint8_t, 1> magic{BootTimer::kMagicBootComplete};
    timer.write(0, magic);
    timer.write(0, magic);
    ASSERT_EQ(recorder.reports.size(), 1u);
    EXPECT_GE(recorder.reports[0], std::chrono::milliseconds(5));
}

TEST(BootTimer, IgnoresOtherValuesWidthsAndOffsets) {
    Recorder recorder;
    BootTimer timer = recorder.make(BootTimer::Clock::now());
    std::array<uint8_t, 1> other{122};
    std::array<uint8_t, 2> wide{BootTimer::kMagicBootComplete, 0};
    std::array<uint8_t, 1> magic{BootTimer::kMagicBootComplete};
    timer.write(0, other);
    timer.write(0, wide);
    timer.write(1, magic);
    EXPECT_TRUE(recorder.reports.empty());
    std::array<uint8_t, 4> read{0xff, 0xff, 0xff, 0xff};
    timer.read(0, read);
    EXPECT_EQ(read, (std::array<uint8_t, 4>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace zapotec::legacy
