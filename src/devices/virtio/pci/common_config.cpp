#include "devices/virtio/pci/common_config.hpp"

#include "devices/virtio/virtio_device.hpp"

namespace zapotec::virtio {

namespace {
// Register offsets within struct virtio_pci_common_cfg.
enum : uint64_t {
    kDeviceFeatureSelect = 0x00,
    kDeviceFeature = 0x04,
    kDriverFeatureSelect = 0x08,
    kDriverFeature = 0x0c,
    kConfigMsixVector = 0x10,
    kNumQueues = 0x12,
    kDeviceStatus = 0x14,
    kConfigGeneration = 0x15,
    kQueueSelect = 0x16,
    kQueueSize = 0x18,
    kQueueMsixVector = 0x1a,
    kQueueEnable = 0x1c,
    kQueueNotifyOff = 0x1e,
    kQueueDescLow = 0x20,
    kQueueDescHigh = 0x24,
    kQueueDriverLow = 0x28,
    kQueueDriverHigh = 0x2c,
    kQueueDeviceLow = 0x30,
    kQueueDeviceHigh = 0x34,
    kEnd = 0x38,
};

size_t register_width(uint64_t offset) {
    switch (offset) {
        case kConfigMsixVector:
        case kNumQueues:
        case kQueueSelect:
        case kQueueSize:
        case kQueueMsixVector:
        case kQueueEnable:
        case kQueueNotifyOff:
            return 2;
        case kDeviceStatus:
        case kConfigGeneration:
            return 1;
        default:
            return 4;
    }
}

uint64_t set_low(uint64_t value, uint64_t low) {
    return (value & ~0xffffffffull) | low;
}
uint64_t set_high(uint64_t value, uint64_t high) {
    return (value & 0xffffffffull) | high << 32;
}
}  // namespace

CommonConfig::CommonConfig(uint64_t device_features, const std::vector<uint16_t>& queue_max_sizes,
                           uint16_t msix_vectors)
    : device_features_(device_features), msix_vectors_(msix_vectors) {
    for (uint16_t size : queue_max_sizes)
        queues_.emplace_back(size);
    reset();
}

void CommonConfig::reset() {
    state_ = CommonConfigState{};
    state_.queue_vectors.assign(queues_.size(), kNoVector);
    for (auto& queue : queues_)
        queue.reset();
}

bool CommonConfig::accept_features() {
    uint64_t features = state_.driver_features;
    if ((features & ~device_features_) != 0 || !(features & kFeatureVersion1))
        return false;
    state_.status |= status::kFeaturesOk;
    return true;
}

Queue* CommonConfig::selected_queue() {
    return state_.queue_select < queues_.size() ? &queues_[state_.queue_select] : nullptr;
}
const Queue* CommonConfig::selected_queue() const {
    return state_.queue_select < queues_.size() ? &queues_[state_.queue_select] : nullptr;
}

uint64_t CommonConfig::read_register(uint64_t offset, size_t& width) const {
    width = register_width(offset);
    const Queue* queue = selected_queue();
    switch (offset) {
        case kDeviceFeatureSelect:
            return state_.device_feature_select;
        case kDeviceFeature:
            if (state_.device_feature_select > 1)
                return 0;
            return device_features_ >> (32 * state_.device_feature_select) & 0xffffffff;
        case kDriverFeatureSelect:
            return state_.driver_feature_select;
        case kDriverFeature:
            if (state_.driver_feature_select > 1)
                return 0;
            return state_.driver_features >> (32 * state_.driver_feature_select) & 0xffffffff;
        case kConfigMsixVector:
            return state_.config_vector;
        case kNumQueues:
            return queues_.size();
        case kDeviceStatus:
            return state_.status;
        case kConfigGeneration:
            return 0;
        case kQueueSelect:
            return state_.queue_select;
        case kQueueSize:
            return queue ? queue->state().size : 0;
        case kQueueMsixVector:
            return queue ? state_.queue_vectors[state_.queue_select] : kNoVector;
        case kQueueEnable:
            return queue && queue->state().ready ? 1 : 0;
        case kQueueNotifyOff:
            return queue ? state_.queue_select : 0;
        case kQueueDescLow:
            return queue ? queue->state().desc_table & 0xffffffff : 0;
        case kQueueDescHigh:
            return queue ? queue->state().desc_table >> 32 : 0;
        case kQueueDriverLow:
            return queue ? queue->state().avail_ring & 0xffffffff : 0;
        case kQueueDriverHigh:
            return queue ? queue->state().avail_ring >> 32 : 0;
        case kQueueDeviceLow:
            return queue ? queue->state().used_ring & 0xffffffff : 0;
        case kQueueDeviceHigh:
            return queue ? queue->state().used_ring >> 32 : 0;
        default:
            return 0;
    }
}

void CommonConfig::read(uint64_t offset, std::span<uint8_t> data) const {
    // Accesses are expected at register granularity; anything else is served byte by byte
    // from the register it overlaps so that odd guests still get consistent values.
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        data[i] = 0;
        if (at >= kEnd)
            continue;
        uint64_t base = at;
        while (base > 0 && base % register_width(base) != 0)
            --base;
        // Step back to the start of a 4-byte register whose first byte lies before `at`.
        if (base % 4 != 0 && register_width(base & ~uint64_t{3}) == 4)
            base &= ~uint64_t{3};
        size_t width = 0;
        uint64_t value = read_register(base, width);
        if (at - base < width)
            data[i] = static_cast<uint8_t>(value >> (8 * (at - base)));
    }
}

StatusChange CommonConfig::write(uint64_t offset, std::span<const uint8_t> data) {
    if (offset >= kEnd || data.empty() || data.size() > 8)
        return StatusChange::None;
    // Only whole, naturally sized register writes are meaningful (the spec requires them).
    if (data.size() != register_width(offset))
        return StatusChange::None;
    uint64_t value = 0;
    for (size_t i = 0; i < data.size(); ++i)
        value |= uint64_t{data[i]} << (8 * i);
    return write_register(offset, value);
}

StatusChange CommonConfig::write_register(uint64_t offset, uint64_t value) {
    Queue* queue = selected_queue();
    // Queue registers may only change before the driver is up (DRIVER_OK).
    bool queue_locked = state_.status & status::kDriverOk;
    switch (offset) {
        case kDeviceFeatureSelect:
            state_.device_feature_select = static_cast<uint32_t>(value);
            break;
        case kDriverFeatureSelect:
            state_.driver_feature_select = static_cast<uint32_t>(value);
            break;
        case kDriverFeature:
            if (state_.status & status::kFeaturesOk)
                break;
            if (state_.driver_feature_select == 0) {
                state_.driver_features = set_low(state_.driver_features, value);
            } else if (state_.driver_feature_select == 1) {
                state_.driver_features = set_high(state_.driver_features, value);
            }
            break;
        case kConfigMsixVector:
            state_.config_vector = checked_vector(static_cast<uint16_t>(value));
            break;
        case kDeviceStatus: {
            auto new_status = static_cast<uint8_t>(value);
            if (new_status == 0)
                return StatusChange::Reset;
            uint8_t old_status = state_.status;
            // FEATURES_OK is granted by the transport after checking the features, and
            // DEVICE_NEEDS_RESET is the device's to raise: a driver write changes neither, so
            // a driver cannot make a device that failed look alive again short of a reset.
            constexpr uint8_t kDeviceOwned = status::kFeaturesOk | status::kNeedsReset;
            state_.status =
                static_cast<uint8_t>((new_status & ~kDeviceOwned) | (old_status & kDeviceOwned));
            bool features_ok =
                (new_status & status::kFeaturesOk) && !(old_status & status::kFeaturesOk);
            bool driver_ok = (new_status & status::kDriverOk) && !(old_status & status::kDriverOk);
            if (features_ok && driver_ok)
                return StatusChange::FeaturesOkAndDriverOk;
            if (features_ok)
                return StatusChange::FeaturesOk;
            if (driver_ok)
                return StatusChange::DriverOk;
            break;
        }
        case kQueueSelect:
            state_.queue_select = static_cast<uint16_t>(value);
            break;
        case kQueueSize:
            if (queue && !queue_locked)
                queue->state().size = static_cast<uint16_t>(value);
            break;
        case kQueueMsixVector:
            if (queue) {
                state_.queue_vectors[state_.queue_select] =
                    checked_vector(static_cast<uint16_t>(value));
            }
            break;
        case kQueueEnable:
            if (queue && !queue_locked && value == 1)
                queue->state().ready = true;
            break;
        case kQueueDescLow:
        case kQueueDescHigh:
        case kQueueDriverLow:
        case kQueueDriverHigh:
        case kQueueDeviceLow:
        case kQueueDeviceHigh: {
            if (!queue || queue_locked)
                break;
            auto& s = queue->state();
            uint64_t* target = offset < kQueueDriverLow   ? &s.desc_table
                               : offset < kQueueDeviceLow ? &s.avail_ring
                                                          : &s.used_ring;
            *target = (offset % 8 == 0) ? set_low(*target, value) : set_high(*target, value);
            break;
        }
        default:
            break;  // Read-only registers.
    }
    return StatusChange::None;
}

}  // namespace zapotec::virtio
