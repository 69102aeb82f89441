// A hostile guest's accesses: random widths at random, misaligned offsets anywhere in BAR0,
// the configuration space and the 0xcf8 ports, with the event loop running in between. The
// VMM must survive all of it, and a well-behaved driver must then still bring the device up.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "virtio_pci_harness.hpp"

namespace zapotec::virtio {
namespace {

using testing::TestDriver;
using testing::VirtioPciHarness;
namespace common = testing::common;

// splitmix64: deterministic, so a failure replays exactly.
class Random {
  public:
    explicit Random(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t bound) { return next() % bound; }

  private:
    uint64_t state_;
};

// Offsets biased towards the registers, where the state machines are.
uint64_t pick_bar_offset(Random& random) {
    switch (random.below(6)) {
        case 0:
            return random.below(common::kEnd + 8);
        case 1:
            return VirtioPciDevice::kIsrOffset + random.below(8);
        case 2:
            return VirtioPciDevice::kNotifyOffset + random.below(16);
        case 3:
            return VirtioPciDevice::kMsixTableOffset + random.below(48);
        case 4:
            return VirtioPciDevice::kMsixPbaOffset + random.below(16);
        default:
            return random.below(VirtioPciDevice::kBar0Size);
    }
}

// Values biased towards what the registers take: status bits, small indices, addresses
// inside guest memory.
uint64_t pick_value(Random& random) {
    switch (random.below(4)) {
        case 0:
            return random.below(0x100);
        case 1:
            return random.below(TestDriver::kMemorySize) & ~uint64_t{0xf};
        case 2:
            return ~uint64_t{0} >> random.below(64);
        default:
            return random.next();
    }
}

void hammer(VirtioPciHarness& harness, uint64_t seed, int accesses) {
    Random random(seed);
    std::array<uint8_t, 8> bytes{};
    for (int i = 0; i < accesses; ++i) {
        bool write = random.below(2) == 0;
        uint64_t value = pick_value(random);
        for (size_t b = 0; b < bytes.size(); ++b)
            bytes[b] = static_cast<uint8_t>(value >> (8 * b));
        switch (random.below(4)) {
            case 0: {  // BAR0 directly, wherever the guest has put it: 1 to 8 bytes.
                uint64_t offset = pick_bar_offset(random);
                auto width = static_cast<size_t>(1 + random.below(8));
                width = std::min<size_t>(width, VirtioPciDevice::kBar0Size - offset);
                if (write) {
                    harness.transport->write_bar(0, offset, std::span(bytes.data(), width));
                } else {
                    harness.transport->read_bar(0, offset, std::span(bytes.data(), width));
                }
                break;
            }
            case 1: {  // BAR0 through the bus, which may or may not decode it now.
                uint64_t offset = pick_bar_offset(random);
                auto width = static_cast<size_t>(1 + random.below(8));
                if (write) {
                    harness.write(offset, width, value);
                } else {
                    (void)harness.read(offset, width);
                }
                break;
            }
            case 2: {  // Configuration space: any offset, 1 to 4 bytes, even past the end.
                auto offset = static_cast<uint16_t>(random.below(pci::kConfigSpaceSize));
                auto width = static_cast<size_t>(1 + random.below(4));
                if (write) {
                    harness.transport->write_config(offset, std::span(bytes.data(), width));
                } else {
                    harness.transport->read_config(offset, std::span(bytes.data(), width));
                }
                break;
            }
            default: {  // The 0xcf8-0xcff ports, with addresses aimed at our slot.
                uint64_t port = random.below(8);
                size_t width = size_t{1} << random.below(3);
                if (random.below(4) == 0) {
                    auto reg = static_cast<uint16_t>(random.below(pci::kConfigSpaceSize));
                    harness.config.write_port(
                        pci::testing::kAddressPort, 4,
                        pci::testing::config_address(0, VirtioPciHarness::kSlot, 0, reg));
                } else if (write) {
                    harness.config.write_port(port, width, static_cast<uint32_t>(value));
                } else {
                    (void)harness.config.read_port(port, width);
                }
                break;
            }
        }
        if (random.below(64) == 0) {
            ASSERT_TRUE(harness.loop->run_once(0).has_value());
        }
    }
    harness.run_loop();
}

// After the storm a driver starts over: fresh rings, BAR0 reassigned, MSI-X set up again.
void expect_device_recovers(VirtioPciHarness& harness) {
    auto memory = harness.driver.bytes(0, TestDriver::kMemorySize);
    std::fill(memory.begin(), memory.end(), 0);
    harness.driver.set_avail_idx(0);
    harness.enable_device();
    harness.enable_msix();
    EXPECT_EQ(harness.config.read16(VirtioPciHarness::kSlot, pci::reg::kVendorId), 0x1af4);
    ASSERT_EQ(harness.initialise(),
              status::kAcknowledge | status::kDriver | status::kFeaturesOk | status::kDriverOk);
    harness.run_loop();
    harness.msi->take_triggers();
    uint16_t used = harness.driver.used_idx();
    harness.driver.set_used_event(used);
    harness.driver.post({{harness.driver.allocate(32), 32, true}});
    harness.notify();
    harness.run_loop();
    EXPECT_EQ(harness.driver.used_idx(), static_cast<uint16_t>(used + 1));
    EXPECT_EQ(harness.msi->trigger_count(VirtioPciHarness::kQueueVector), 1);
}

TEST(VirtioPciHostile, RandomAccessesOnAFreshDeviceNeverCrash) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed);
        VirtioPciHarness harness;
        harness.enable_device();
        hammer(harness, seed, 20000);
        expect_device_recovers(harness);
    }
}

TEST(VirtioPciHostile, RandomAccessesOnARunningDeviceNeverCrash) {
    for (uint64_t seed = 100; seed <= 103; ++seed) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed);
        VirtioPciHarness harness;
        harness.enable_device();
        harness.enable_msix();
        ASSERT_EQ(harness.initialise() & status::kDriverOk, status::kDriverOk);
        harness.driver.post({{harness.driver.allocate(16), 16, true}});
        hammer(harness, seed, 20000);
        expect_device_recovers(harness);
    }
}

}  // namespace
}  // namespace zapotec::virtio
