// pvpanic-pci (PCI 1b36:0011): a guest kernel with the pvpanic driver writes here when it
// panics, so the VMM can report a crash instead of a plain reboot.
#pragma once

#include <functional>

#include "devices/pci/pci_device.hpp"

namespace zapotec::pci {

inline constexpr uint8_t kPvPanicPanicked = 1 << 0;
inline constexpr uint8_t kPvPanicCrashLoaded = 1 << 1;

class PvPanicDevice : public PciDevice {
  public:
    static constexpr uint64_t kBarSize = 0x1000;
    // `on_event` gets the event bits the guest wrote.
    PvPanicDevice(uint64_t bar0_address, std::function<void(uint8_t)> on_event);

    std::string name() const override { return "pvpanic"; }
    void read_bar(int bar, uint64_t offset, std::span<uint8_t> data) override;
    void write_bar(int bar, uint64_t offset, std::span<const uint8_t> data) override;

  private:
    std::function<void(uint8_t)> on_event_;
};

}  // namespace zapotec::pci
