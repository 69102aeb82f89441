#include "devices/pci/pci_device.hpp"

#include "base/log.hpp"

namespace zapotec::pci {

namespace {

// Forwards the accesses of one BAR's bus range to the device that owns it.
class BarRegion : public BusDevice {
  public:
    BarRegion(std::weak_ptr<PciDevice> device, int bar) : device_(std::move(device)), bar_(bar) {}
    void read(uint64_t offset, std::span<uint8_t> data) override {
        if (auto device = device_.lock()) {
            device->read_bar(bar_, offset, data);
        } else {
            std::fill(data.begin(), data.end(), 0xff);
        }
    }
    void write(uint64_t offset, std::span<const uint8_t> data) override {
        if (auto device = device_.lock())
            device->write_bar(bar_, offset, data);
    }

  private:
    std::weak_ptr<PciDevice> device_;
    int bar_;
};

}  // namespace

void PciDevice::attach(Bus* mmio_bus) {
    std::lock_guard lock(config_mutex_);
    mmio_bus_ = mmio_bus;
    update_bar_mappings();
}

void PciDevice::read_config(uint16_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(config_mutex_);
    config_.read(offset, data);
}

void PciDevice::write_config(uint16_t offset, std::span<const uint8_t> data) {
    std::lock_guard lock(config_mutex_);
    config_.write(offset, data);
    config_written(offset, data.size());
    bool touches_command = offset <= reg::kCommand + 1 && offset + data.size() > reg::kCommand;
    if (touches_command || ConfigSpace::bar_index_at(offset))
        update_bar_mappings();
}

void PciDevice::update_bar_mappings() {
    if (!mmio_bus_)
        return;
    bool decode = config_.command() & kCommandMemorySpace;
    for (int bar = 0; bar < kBarCount; ++bar) {
        auto programmed = config_.bar_address(bar);
        std::optional<uint64_t> wanted = decode ? programmed : std::nullopt;
        auto& mapped = mapped_[static_cast<size_t>(bar)];
        if (wanted == mapped)
            continue;
        if (mapped)
            mmio_bus_->remove(*mapped);
        std::optional<uint64_t> old = mapped;
        mapped.reset();
        if (wanted) {
            auto inserted = mmio_bus_->insert(std::make_shared<BarRegion>(weak_from_this(), bar),
                                              *wanted, config_.bar_size(bar));
            if (inserted) {
                mapped = wanted;
            } else {
                guest_warnings_.warn("{}: BAR{} at {:#x} not mapped: {}", name(), bar, *wanted,
                                     inserted.error().message());
            }
        }
        bar_remapped(bar, old, mapped);
    }
}

}  // namespace zapotec::pci
