#include "devices/virtio/pci/virtio_pci_device.hpp"

#include <sys/eventfd.h>

#include <algorithm>
#include <array>

#include "base/log.hpp"

namespace zapotec::virtio {

namespace {

constexpr uint16_t kVirtioVendorId = 0x1af4;
constexpr uint16_t kModernDeviceIdBase = 0x1040;

// virtio_pci_cap cfg_type values.
enum class VirtioCapType : uint8_t { Common = 1, Notify = 2, Isr = 3, Device = 4 };

uint32_t class_code_for(DeviceType type) {
    switch (type) {
        case DeviceType::Net:
            return 0x020000;  // Network controller, Ethernet.
        case DeviceType::Block:
            return 0x018000;  // Mass storage, other.
        default:
            return 0xff0000;  // Unassigned class.
    }
}

// The body of a struct virtio_pci_cap after cap_vndr and cap_next.
std::vector<uint8_t> virtio_cap_body(VirtioCapType type, uint32_t offset, uint32_t length,
                                     std::optional<uint32_t> notify_multiplier = std::nullopt) {
    std::vector<uint8_t> body(notify_multiplier ? 18 : 14, 0);
    body[0] = static_cast<uint8_t>(body.size() + 2);  // cap_len
    body[1] = static_cast<uint8_t>(type);
    body[2] = 0;  // BAR 0
    auto put32 = [&](size_t at, uint32_t value) {
        for (size_t i = 0; i < 4; ++i)
            body[at + i] = static_cast<uint8_t>(value >> (8 * i));
    };
    put32(6, offset);
    put32(10, length);
    if (notify_multiplier)
        put32(14, *notify_multiplier);
    return body;
}

}  // namespace

// Delivers a device's queue and config interrupts through MSI-X.
class VirtioPciDevice::QueueInterrupt : public Interrupt {
  public:
    explicit QueueInterrupt(VirtioPciDevice* owner) : owner_(owner) {}
    void signal_queue(uint16_t queue_index) override {
        owner_->isr_.fetch_or(1);
        if (queue_index < owner_->queue_events_.size()) {
            owner_->signal_vector(owner_->queue_vectors_[queue_index].load());
        }
    }
    void signal_config() override {
        owner_->isr_.fetch_or(2);
        owner_->signal_vector(owner_->config_vector_.load());
    }

  private:
    VirtioPciDevice* owner_;
};

Result<std::shared_ptr<VirtioPciDevice>> VirtioPciDevice::create(
    std::shared_ptr<VirtioDevice> device, VirtioPciDeps deps, uint64_t bar0_address) {
    if (!(device->device_features() & kFeatureVersion1)) {
        return make_error("{}: a modern virtio device must offer VERSION_1", device->name());
    }
    size_t queue_count = device->queue_max_sizes().size();
    if (queue_count == 0 || queue_count * kNotifyMultiplier > kMsixTableOffset - kNotifyOffset) {
        return make_error("{}: unsupported number of queues {}", device->name(), queue_count);
    }
    std::vector<std::shared_ptr<EventFd>> events;
    for (size_t i = 0; i < queue_count; ++i) {
        events.push_back(std::make_shared<EventFd>(TRY(EventFd::create(EFD_NONBLOCK))));
    }
    return std::shared_ptr<VirtioPciDevice>(
        new VirtioPciDevice(std::move(device), std::move(deps), bar0_address, std::move(events)));
}

VirtioPciDevice::VirtioPciDevice(std::shared_ptr<VirtioDevice> device, VirtioPciDeps deps,
                                 uint64_t bar0_address,
                                 std::vector<std::shared_ptr<EventFd>> queue_events)
    : PciDevice(pci::PciIds{.vendor = kVirtioVendorId,
                            .device = static_cast<uint16_t>(
                                kModernDeviceIdBase + static_cast<uint32_t>(device->device_type())),
                            .class_code = class_code_for(device->device_type()),
                            .revision = 1,
                            .subsystem_vendor = kVirtioVendorId,
                            .subsystem_id = 0x40}),
      device_(std::move(device)),
      deps_(std::move(deps)),
      queue_events_(std::move(queue_events)),
      // One vector per queue plus one for configuration changes.
      msix_(std::make_shared<pci::MsixTable>(static_cast<uint16_t>(queue_events_.size() + 1),
                                             deps_.msi_vectors)),
      common_(device_->device_features(), device_->queue_max_sizes(), msix_->vector_count()),
      queue_vectors_(new std::atomic<uint16_t>[queue_events_.size()]),
      interrupt_(std::make_shared<QueueInterrupt>(this)) {
    for (size_t i = 0; i < queue_events_.size(); ++i)
        queue_vectors_[i] = kNoVector;
    auto& config = this->config();
    config.add_memory_bar(0, bar0_address, kBar0Size);
    auto notify_length = static_cast<uint32_t>(queue_events_.size() * kNotifyMultiplier);
    auto add = [&](const std::vector<uint8_t>& body) {
        config.add_capability(pci::CapabilityId::Vendor, body);
    };
    add(virtio_cap_body(VirtioCapType::Common, kCommonConfigOffset, 0x38));
    add(virtio_cap_body(VirtioCapType::Isr, kIsrOffset, 1));
    add(virtio_cap_body(VirtioCapType::Device, kDeviceConfigOffset, 0x1000));
    add(virtio_cap_body(VirtioCapType::Notify, kNotifyOffset, notify_length, kNotifyMultiplier));
    // MSI-X capability: message control (table size - 1; enable and function mask are the
    // guest's), table and PBA offsets in BAR0.
    uint16_t control = static_cast<uint16_t>(msix_->vector_count() - 1);
    std::array<uint8_t, 10> msix_body{static_cast<uint8_t>(control),
                                      static_cast<uint8_t>(control >> 8),
                                      static_cast<uint8_t>(kMsixTableOffset),
                                      static_cast<uint8_t>(kMsixTableOffset >> 8),
                                      0,
                                      0,
                                      static_cast<uint8_t>(kMsixPbaOffset),
                                      static_cast<uint8_t>(kMsixPbaOffset >> 8),
                                      0,
                                      0};
    std::array<uint8_t, 10> msix_writable{0, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0};
    msix_capability_ = config.add_capability(pci::CapabilityId::MsiX, msix_body, msix_writable);
}

VirtioPciDevice::~VirtioPciDevice() {
    // The active device keeps interrupt_, whose owner pointer is about to dangle; without
    // this, a queue served on the event loop afterwards would signal through freed memory.
    std::lock_guard lock(mutex_);
    if (active_)
        device_->reset();
}

std::string VirtioPciDevice::name() const {
    return "virtio-pci " + device_->name();
}

uint8_t VirtioPciDevice::status() {
    std::lock_guard lock(mutex_);
    return common_.status();
}

void VirtioPciDevice::config_written(uint16_t offset, size_t size) {
    uint16_t control_offset = static_cast<uint16_t>(msix_capability_ + 2);
    if (offset < control_offset + 2 && offset + size > control_offset) {
        msix_->set_control(config().read16(control_offset));
    }
}

void VirtioPciDevice::bar_remapped(int bar, std::optional<uint64_t> old_address,
                                   std::optional<uint64_t> new_address) {
    if (bar != 0 || !deps_.notify_registry)
        return;
    for (size_t i = 0; i < queue_events_.size(); ++i) {
        uint64_t offset = kNotifyOffset + i * kNotifyMultiplier;
        int fd = queue_events_[i]->fd();
        if (old_address)
            (void)deps_.notify_registry->remove(fd, *old_address + offset);
        if (new_address) {
            if (auto added = deps_.notify_registry->add(fd, *new_address + offset); !added) {
                spdlog::warn("{}: queue {} notifications will exit to the VMM: {}", name(), i,
                             added.error().message());
            }
        }
    }
}

void VirtioPciDevice::signal_vector(uint16_t vector) {
    if (vector == kNoVector)
        return;
    msix_->signal(vector);
}

void VirtioPciDevice::read_bar(int bar, uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
    if (bar != 0)
        return;
    if (offset >= kMsixPbaOffset) {
        msix_->read_pba(offset - kMsixPbaOffset, data);
    } else if (offset >= kMsixTableOffset) {
        msix_->read_table(offset - kMsixTableOffset, data);
    } else if (offset >= kNotifyOffset) {
        // Notification registers read as zero.
    } else if (offset >= kDeviceConfigOffset) {
        device_->read_config(offset - kDeviceConfigOffset, data);
    } else if (offset >= kIsrOffset) {
        // Reading the ISR acknowledges it.
        if (offset == kIsrOffset && !data.empty())
            data[0] = isr_.exchange(0);
    } else {
        std::lock_guard lock(mutex_);
        common_.read(offset - kCommonConfigOffset, data);
    }
}

void VirtioPciDevice::write_bar(int bar, uint64_t offset, std::span<const uint8_t> data) {
    if (bar != 0)
        return;
    if (offset >= kMsixPbaOffset) {
        return;  // The PBA is read-only.
    } else if (offset >= kMsixTableOffset) {
        msix_->write_table(offset - kMsixTableOffset, data);
    } else if (offset >= kNotifyOffset) {
        // A notification that KVM did not catch with an ioeventfd.
        uint64_t queue = (offset - kNotifyOffset) / kNotifyMultiplier;
        if (queue < queue_events_.size())
            (void)queue_events_[queue]->signal();
    } else if (offset >= kDeviceConfigOffset) {
        device_->write_config(offset - kDeviceConfigOffset, data);
    } else if (offset >= kIsrOffset) {
        return;  // Read-only.
    } else {
        std::lock_guard lock(mutex_);
        StatusChange change = common_.write(offset - kCommonConfigOffset, data);
        config_vector_ = common_.config_vector();
        for (size_t i = 0; i < queue_events_.size(); ++i) {
            queue_vectors_[i] = common_.queue_vector(i);
        }
        handle_status_change(change);
    }
}

void VirtioPciDevice::handle_status_change(StatusChange change) {
    switch (change) {
        case StatusChange::None:
            return;
        case StatusChange::Reset:
            reset_device();
            return;
        case StatusChange::FeaturesOk:
        case StatusChange::FeaturesOkAndDriverOk:
            if (!common_.accept_features()) {
                guest_warnings_.warn("{}: driver asked for unsupported features {:#x}", name(),
                                     common_.driver_features());
            }
            if (change == StatusChange::FeaturesOkAndDriverOk)
                activate();
            return;
        case StatusChange::DriverOk:
            activate();
            return;
    }
}

void VirtioPciDevice::needs_reset() {
    common_.set_status_bits(status::kNeedsReset);
    interrupt_->signal_config();
}

void VirtioPciDevice::activate() {
    if (active_)
        return;
    if (!(common_.status() & status::kFeaturesOk)) {
        // The status now says DRIVER_OK; it must not claim a device that is not running.
        guest_warnings_.warn("{}: DRIVER_OK without FEATURES_OK", name());
        needs_reset();
        return;
    }
    ActivateContext context;
    context.memory = deps_.memory;
    for (auto& queue : common_.queues()) {
        auto& state = queue.state();
        state.event_idx = common_.driver_features() & kFeatureRingEventIdx;
        if (state.ready) {
            if (auto valid = queue.validate(*deps_.memory); !valid) {
                guest_warnings_.warn("{}: {}", name(), valid.error().message());
                needs_reset();
                return;
            }
        }
    }
    context.queues = common_.queues();
    context.queue_events = queue_events_;
    context.interrupt = interrupt_;
    context.acked_features = common_.driver_features();
    context.event_loop = deps_.event_loop;
    if (auto activated = device_->activate(std::move(context)); !activated) {
        guest_warnings_.warn("{}: activation failed: {}", name(), activated.error().message());
        needs_reset();
        return;
    }
    active_ = true;
}

void VirtioPciDevice::reset_device() {
    if (active_)
        device_->reset();
    active_ = false;
    common_.reset();
    config_vector_ = kNoVector;
    for (size_t i = 0; i < queue_events_.size(); ++i)
        queue_vectors_[i] = kNoVector;
    isr_ = 0;
}

}  // namespace zapotec::virtio
