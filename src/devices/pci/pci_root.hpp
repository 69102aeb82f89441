// PCI bus 0: the host bridge at 00:00.0, up to 31 more devices, and the type-1 configuration
// mechanism (ports 0xcf8 address, 0xcfc-0xcff data) through which the guest reaches them.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "base/error.hpp"
#include "bus/bus_device.hpp"
#include "devices/pci/pci_device.hpp"

namespace zapotec::pci {

inline constexpr int kSlotsPerBus = 32;

// The host bridge: a class 0x0600 function with no BARs, which also makes Linux's type-1
// sanity check succeed.
class HostBridge : public PciDevice {
  public:
    HostBridge();
    std::string name() const override { return "host bridge"; }
    void read_bar(int, uint64_t, std::span<uint8_t> data) override;
    void write_bar(int, uint64_t, std::span<const uint8_t>) override {}
};

class PciRoot : public BusDevice {
  public:
    PciRoot();

    // Places a device in the next free slot; returns the slot number.
    [[nodiscard]] Result<int> add_device(std::shared_ptr<PciDevice> device);

    // The 8-port range at 0xcf8.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

  private:
    // The device addressed by the config address register, with the register offset.
    std::shared_ptr<PciDevice> addressed_device(uint16_t& register_offset) const;

    mutable std::mutex mutex_;
    uint32_t config_address_ = 0;
    std::array<std::shared_ptr<PciDevice>, kSlotsPerBus> slots_{};
};

}  // namespace zapotec::pci
