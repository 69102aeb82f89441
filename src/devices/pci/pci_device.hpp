// The base of every PCI function: its configuration space, and its memory BARs kept mapped
// on the MMIO bus at whatever address the guest programs while memory decoding is on.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "base/log_limiter.hpp"
#include "bus/bus.hpp"
#include "devices/pci/config_space.hpp"

namespace zapotec::pci {

class PciDevice : public std::enable_shared_from_this<PciDevice> {
  public:
    explicit PciDevice(const PciIds& ids) : config_(ids) {}
    virtual ~PciDevice() = default;

    virtual std::string name() const = 0;

    // Gives the device the bus its BARs live on and maps them where they are programmed.
    void attach(Bus* mmio_bus);

    // Configuration space accesses from the PCI root (already bounds-checked to a dword).
    void read_config(uint16_t offset, std::span<uint8_t> data);
    void write_config(uint16_t offset, std::span<const uint8_t> data);

    // Accesses to a BAR's range; `offset` is relative to the BAR's start.
    virtual void read_bar(int bar, uint64_t offset, std::span<uint8_t> data) = 0;
    virtual void write_bar(int bar, uint64_t offset, std::span<const uint8_t> data) = 0;

  protected:
    // Called (with the config lock held) after the guest wrote [offset, offset + size).
    virtual void config_written(uint16_t /*offset*/, size_t /*size*/) {}
    // Called after a BAR moved on the bus; either side is nullopt when unmapped.
    virtual void bar_remapped(int /*bar*/, std::optional<uint64_t> /*old_address*/,
                              std::optional<uint64_t> /*new_address*/) {}

    ConfigSpace& config() { return config_; }
    std::mutex& config_mutex() { return config_mutex_; }

  private:
    void update_bar_mappings();

    std::mutex config_mutex_;
    ConfigSpace config_;
    Bus* mmio_bus_ = nullptr;
    std::array<std::optional<uint64_t>, kBarCount> mapped_{};
    // The guest can program overlapping BARs on every config write.
    LogLimiter guest_warnings_;
};

}  // namespace zapotec::pci
