// A virtio-pci transport around a real entropy device, placed on a PCI root and an MMIO bus
// the way the VMM builds it, plus the steps of Linux's virtio_pci_modern driver so tests can
// replay them one by one. Interrupts and ioeventfds go to fakes that record what they saw.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "../pci/fake_msi_vectors.hpp"
#include "../pci/type1_config.hpp"
#include "../virtio/test_driver.hpp"
#include "bus/bus.hpp"
#include "devices/pci/pci_root.hpp"
#include "devices/virtio/pci/virtio_pci_device.hpp"
#include "devices/virtio/rng/rng_device.hpp"
#include "event/event_loop.hpp"

namespace zapotec::virtio::testing {

// Records the ioeventfds the transport asks KVM for.
class FakeNotifyRegistry : public NotifyRegistry {
  public:
    struct Call {
        bool added;
        int event_fd;
        uint64_t address;
        bool operator==(const Call&) const = default;
    };
    Result<> add(int event_fd, uint64_t address) override {
        calls.push_back({true, event_fd, address});
        if (fail_adds)
            return make_error("fake ioeventfd failure at {:#x}", address);
        registered.insert({event_fd, address});
        return {};
    }
    Result<> remove(int event_fd, uint64_t address) override {
        calls.push_back({false, event_fd, address});
        if (!registered.erase({event_fd, address}))
            return make_error("no ioeventfd at {:#x}", address);
        return {};
    }

    std::vector<Call> calls;
    std::set<std::pair<int, uint64_t>> registered;
    bool fail_adds = false;
};

// Offsets of struct virtio_pci_common_cfg (virtio 1.x, 4.1.4.3).
namespace common {
inline constexpr uint64_t kDeviceFeatureSelect = 0x00;
inline constexpr uint64_t kDeviceFeature = 0x04;
inline constexpr uint64_t kDriverFeatureSelect = 0x08;
inline constexpr uint64_t kDriverFeature = 0x0c;
inline constexpr uint64_t kConfigMsixVector = 0x10;
inline constexpr uint64_t kNumQueues = 0x12;
inline constexpr uint64_t kDeviceStatus = 0x14;
inline constexpr uint64_t kConfigGeneration = 0x15;
inline constexpr uint64_t kQueueSelect = 0x16;
inline constexpr uint64_t kQueueSize = 0x18;
inline constexpr uint64_t kQueueMsixVector = 0x1a;
inline constexpr uint64_t kQueueEnable = 0x1c;
inline constexpr uint64_t kQueueNotifyOff = 0x1e;
inline constexpr uint64_t kQueueDesc = 0x20;
inline constexpr uint64_t kQueueDriver = 0x28;
inline constexpr uint64_t kQueueDevice = 0x30;
inline constexpr uint64_t kEnd = 0x38;
}  // namespace common

// virtio_pci_cap.cfg_type.
enum class CapType : uint8_t { Common = 1, Notify = 2, Isr = 3, Device = 4, PciCfg = 5 };

// One vendor capability as Linux's virtio_pci_find_capability() reads it.
struct VirtioCap {
    uint16_t position = 0;
    uint8_t length = 0;  // cap_len
    CapType type{};
    uint8_t bar = 0;
    uint32_t offset = 0;
    uint32_t size = 0;
    uint32_t notify_multiplier = 0;  // Only for CapType::Notify.
};

class VirtioPciHarness {
  public:
    // Where the VMM placed BAR0, and where the guest moves it in some tests.
    static constexpr uint64_t kBar0 = 0xc000'0000;
    static constexpr uint64_t kMovedBar0 = 0xd001'0000;
    static constexpr int kSlot = 1;
    // Linux gives vector 0 to configuration changes and the next ones to the queues.
    static constexpr uint16_t kConfigVector = 0;
    static constexpr uint16_t kQueueVector = 1;
    static constexpr uint64_t kMsiAddress = 0xfee0'0000;
    static constexpr uint64_t kAllFeatures =
        kFeatureVersion1 | kFeatureRingEventIdx | kFeatureRingIndirectDesc;

    explicit VirtioPciHarness(uint16_t queue_size = 16);
    ~VirtioPciHarness();

    // PCI: size BAR0 with decoding off, program it at `bar0`, then turn on memory decoding and
    // bus mastering (pci_enable_device() plus pci_set_master()).
    void enable_device(uint64_t bar0 = kBar0);
    // Every vendor capability, walked from the capabilities pointer.
    std::vector<VirtioCap> virtio_caps();
    std::optional<VirtioCap> find_virtio_cap(CapType type);
    // The MSI-X capability's offset (pci_find_capability(PCI_CAP_ID_MSIX)).
    uint16_t msix_cap();
    // msix_capability_init(): enable with the function masked, program and unmask every
    // entry, then clear the function mask. Entry v gets data 0x40 + v.
    void enable_msix();

    // BAR0 accesses through the MMIO bus at the programmed address (1 to 8 bytes).
    uint64_t read(uint64_t offset, size_t width);
    void write(uint64_t offset, size_t width, uint64_t value);

    // virtio steps, as vp_modern_* do them.
    uint8_t status() { return static_cast<uint8_t>(read(common::kDeviceStatus, 1)); }
    void set_status(uint8_t value) { write(common::kDeviceStatus, 1, value); }
    void add_status(uint8_t bits) { set_status(static_cast<uint8_t>(status() | bits)); }
    uint64_t device_features();
    void set_driver_features(uint64_t features);
    // Selects queue 0 and programs it at the test driver's rings, with `vector`.
    void setup_queue(uint16_t vector = kQueueVector);
    // The whole sequence up to DRIVER_OK; returns the final status read back.
    uint8_t initialise(uint64_t features = kAllFeatures);
    // Writes the queue index at the queue's notify address (no ioeventfd catches it here).
    void notify(uint16_t queue = 0);
    // Runs the event loop until nothing is ready.
    void run_loop();

    TestDriver driver;
    std::unique_ptr<EventLoop> loop;
    std::shared_ptr<pci::testing::FakeMsiVectors> msi =
        std::make_shared<pci::testing::FakeMsiVectors>();
    std::shared_ptr<FakeNotifyRegistry> notify_registry = std::make_shared<FakeNotifyRegistry>();
    std::shared_ptr<RngDevice> rng;
    std::shared_ptr<VirtioPciDevice> transport;
    Bus mmio;
    pci::PciRoot root;
    pci::testing::Type1Config config{root};
    uint64_t bar0 = kBar0;
};

}  // namespace zapotec::virtio::testing
