// The harness's PCI enumeration and virtio driver steps, in the order Linux makes them.
#include "virtio_pci_harness.hpp"

#include <gtest/gtest.h>

#include <array>

namespace zapotec::virtio::testing {

namespace {
using pci::kCommandBusMaster;
using pci::kCommandMemorySpace;
using pci::kMsixControlEnable;
using pci::kMsixControlFunctionMask;
namespace reg = pci::reg;
}  // namespace

VirtioPciHarness::VirtioPciHarness(uint16_t queue_size) : driver(queue_size) {
    auto created_loop = EventLoop::create();
    EXPECT_TRUE(created_loop.has_value());
    loop = std::move(*created_loop);
    auto created_rng = RngDevice::create();
    EXPECT_TRUE(created_rng.has_value());
    rng = *created_rng;
    VirtioPciDeps deps;
    deps.memory = driver.memory();
    deps.msi_vectors = msi;
    deps.notify_registry = notify_registry;
    deps.event_loop = loop.get();
    auto created = VirtioPciDevice::create(rng, std::move(deps), kBar0);
    EXPECT_TRUE(created.has_value());
    transport = *created;
    EXPECT_EQ(root.add_device(transport), kSlot);
    transport->attach(&mmio);
}

VirtioPciHarness::~VirtioPciHarness() = default;

void VirtioPciHarness::enable_device(uint64_t address) {
    // __pci_read_base(): decoding off while the BAR holds all ones.
    uint16_t command = config.read16(kSlot, reg::kCommand);
    config.write16(kSlot, reg::kCommand, static_cast<uint16_t>(command & ~kCommandMemorySpace));
    uint32_t original = config.read32(kSlot, reg::kBar0);
    config.write32(kSlot, reg::kBar0, 0xffffffff);
    uint32_t sized = config.read32(kSlot, reg::kBar0);
    EXPECT_EQ(sized, static_cast<uint32_t>(~(VirtioPciDevice::kBar0Size - 1)));
    config.write32(kSlot, reg::kBar0, original);
    // Resource assignment, then pci_enable_device() and pci_set_master().
    config.write32(kSlot, reg::kBar0, static_cast<uint32_t>(address));
    bar0 = address;
    config.write16(kSlot, reg::kCommand,
                   static_cast<uint16_t>(command | kCommandMemorySpace | kCommandBusMaster));
}

std::vector<VirtioCap> VirtioPciHarness::virtio_caps() {
    std::vector<VirtioCap> caps;
    for (uint16_t position : config.find_capabilities(kSlot, 0x09)) {
        VirtioCap cap;
        cap.position = position;
        cap.length = config.read8(kSlot, position + 2);
        cap.type = static_cast<CapType>(config.read8(kSlot, position + 3));
        cap.bar = config.read8(kSlot, position + 4);
        cap.offset = config.read32(kSlot, position + 8);
        cap.size = config.read32(kSlot, position + 12);
        if (cap.type == CapType::Notify)
            cap.notify_multiplier = config.read32(kSlot, position + 16);
        caps.push_back(cap);
    }
    return caps;
}

std::optional<VirtioCap> VirtioPciHarness::find_virtio_cap(CapType type) {
    for (const VirtioCap& cap : virtio_caps()) {
        if (cap.type == type)
            return cap;
    }
    return std::nullopt;
}

uint16_t VirtioPciHarness::msix_cap() {
    auto found = config.find_capabilities(kSlot, 0x11);
    EXPECT_EQ(found.size(), 1u);
    return found.empty() ? 0 : found[0];
}

void VirtioPciHarness::enable_msix() {
    uint16_t cap = msix_cap();
    uint16_t control_offset = static_cast<uint16_t>(cap + 2);
    auto control = static_cast<uint16_t>(config.read16(kSlot, control_offset) &
                                         ~(kMsixControlEnable | kMsixControlFunctionMask));
    uint16_t vectors = static_cast<uint16_t>((control & 0x7ff) + 1);
    uint32_t table = config.read32(kSlot, cap + 4);
    EXPECT_EQ(table & 7, 0u);  // BAR0.
    config.write16(kSlot, control_offset,
                   static_cast<uint16_t>(control | kMsixControlEnable | kMsixControlFunctionMask));
    for (uint16_t vector = 0; vector < vectors; ++vector) {
        uint64_t entry = (table & ~7u) + uint64_t{vector} * pci::kMsixEntrySize;
        write(entry + 0, 4, kMsiAddress);
        write(entry + 4, 4, 0);
        write(entry + 8, 4, 0x40u + vector);
        write(entry + 12, 4, 0);
    }
    config.write16(kSlot, control_offset, static_cast<uint16_t>(control | kMsixControlEnable));
}

uint64_t VirtioPciHarness::read(uint64_t offset, size_t width) {
    std::array<uint8_t, 8> bytes{};
    std::span<uint8_t> data(bytes.data(), width);
    if (!mmio.read(bar0 + offset, data))
        std::fill(data.begin(), data.end(), 0xff);  // Unclaimed MMIO reads as all ones.
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i)
        value |= uint64_t{bytes[i]} << (8 * i);
    return value;
}

void VirtioPciHarness::write(uint64_t offset, size_t width, uint64_t value) {
    std::array<uint8_t, 8> bytes{};
    for (size_t i = 0; i < width; ++i)
        bytes[i] = static_cast<uint8_t>(value >> (8 * i));
    (void)mmio.write(bar0 + offset, std::span<const uint8_t>(bytes.data(), width));
}

uint64_t VirtioPciHarness::device_features() {
    write(common::kDeviceFeatureSelect, 4, 0);
    uint64_t low = read(common::kDeviceFeature, 4);
    write(common::kDeviceFeatureSelect, 4, 1);
    uint64_t high = read(common::kDeviceFeature, 4);
    return high << 32 | low;
}

void VirtioPciHarness::set_driver_features(uint64_t features) {
    write(common::kDriverFeatureSelect, 4, 0);
    write(common::kDriverFeature, 4, features & 0xffffffff);
    write(common::kDriverFeatureSelect, 4, 1);
    write(common::kDriverFeature, 4, features >> 32);
}

void VirtioPciHarness::setup_queue(uint16_t vector) {
    write(common::kQueueSelect, 2, 0);
    write(common::kQueueSize, 2, driver.size());
    // vp_iowrite64_twopart(): low half, then high half.
    write(common::kQueueDesc, 4, TestDriver::kDescTable);
    write(common::kQueueDesc + 4, 4, 0);
    write(common::kQueueDriver, 4, TestDriver::kAvailRing);
    write(common::kQueueDriver + 4, 4, 0);
    write(common::kQueueDevice, 4, TestDriver::kUsedRing);
    write(common::kQueueDevice + 4, 4, 0);
    write(common::kQueueMsixVector, 2, vector);
    write(common::kQueueEnable, 2, 1);
}

uint8_t VirtioPciHarness::initialise(uint64_t features) {
    set_status(0);
    add_status(status::kAcknowledge);
    add_status(status::kDriver);
    EXPECT_EQ(device_features(), kAllFeatures);
    set_driver_features(features);
    add_status(status::kFeaturesOk);
    write(common::kConfigMsixVector, 2, kConfigVector);
    setup_queue();
    add_status(status::kDriverOk);
    return status();
}

void VirtioPciHarness::notify(uint16_t queue) {
    auto cap = find_virtio_cap(CapType::Notify);
    ASSERT_TRUE(cap.has_value());
    write(common::kQueueSelect, 2, queue);
    uint64_t notify_off = read(common::kQueueNotifyOff, 2);
    write(cap->offset + notify_off * cap->notify_multiplier, 2, queue);
}

void VirtioPciHarness::run_loop() {
    for (int round = 0; round < 8; ++round)
        ASSERT_TRUE(loop->run_once(0).has_value());
}

}  // namespace zapotec::virtio::testing
