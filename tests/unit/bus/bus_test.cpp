#include "bus/bus.hpp"

#include <gtest/gtest.h>

#include <array>

namespace zapotec {
namespace {

class RecordingDevice : public BusDevice {
  public:
    void read(uint64_t offset, std::span<uint8_t> data) override {
        for (auto& byte : data)
            byte = static_cast<uint8_t>(offset);
    }
    void write(uint64_t offset, std::span<const uint8_t> data) override {
        last_offset = offset;
        last_size = data.size();
    }
    uint64_t last_offset = ~0ull;
    size_t last_size = 0;
};

TEST(Bus, DispatchesWithOffsetIntoTheRange) {
    Bus bus;
    auto device = std::make_shared<RecordingDevice>();
    ASSERT_TRUE(bus.insert(device, 0x3f8, 8).has_value());
    std::array<uint8_t, 1> data{};
    EXPECT_TRUE(bus.read(0x3fd, data));
    EXPECT_EQ(data[0], 5);
    EXPECT_TRUE(bus.write(0x3f8, std::array<uint8_t, 2>{1, 2}));
    EXPECT_EQ(device->last_offset, 0u);
    EXPECT_EQ(device->last_size, 2u);
    EXPECT_FALSE(bus.read(0x3f7, data));
    EXPECT_FALSE(bus.read(0x400, data));
}

TEST(Bus, RejectsOverlapsAndEmptyRanges) {
    Bus bus;
    auto device = std::make_shared<RecordingDevice>();
    ASSERT_TRUE(bus.insert(device, 0x100, 0x10).has_value());
    EXPECT_FALSE(bus.insert(device, 0x10f, 1).has_value());
    EXPECT_FALSE(bus.insert(device, 0xf8, 0x10).has_value());
    EXPECT_FALSE(bus.insert(device, 0x200, 0).has_value());
    EXPECT_FALSE(bus.insert(device, ~0ull, 2).has_value());
    EXPECT_TRUE(bus.insert(device, 0x110, 1).has_value());
    EXPECT_TRUE(bus.remove(0x100));
    std::array<uint8_t, 1> data{};
    EXPECT_FALSE(bus.read(0x100, data));
}

}  // namespace
}  // namespace zapotec
