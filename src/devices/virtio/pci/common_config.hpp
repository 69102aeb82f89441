// The virtio-pci common configuration structure (virtio 1.x, 4.1.4.3): feature negotiation,
// device status and the per-queue registers. Pure register logic; the transport acts on the
// status transitions it reports.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "devices/virtio/queue/queue.hpp"

namespace zapotec::virtio {

inline constexpr uint16_t kNoVector = 0xffff;

namespace status {
inline constexpr uint8_t kAcknowledge = 1;
inline constexpr uint8_t kDriver = 2;
inline constexpr uint8_t kDriverOk = 4;
inline constexpr uint8_t kFeaturesOk = 8;
inline constexpr uint8_t kNeedsReset = 0x40;
inline constexpr uint8_t kFailed = 0x80;
}  // namespace status

// What a guest write to the common configuration asks the transport to do. A status write
// may set FEATURES_OK and DRIVER_OK at once; the transport then handles both, in that order.
enum class StatusChange { None, Reset, FeaturesOk, DriverOk, FeaturesOkAndDriverOk };

struct CommonConfigState {
    uint32_t device_feature_select = 0;
    uint32_t driver_feature_select = 0;
    uint64_t driver_features = 0;
    uint16_t config_vector = kNoVector;
    uint8_t status = 0;
    uint16_t queue_select = 0;
    std::vector<uint16_t> queue_vectors;
};

class CommonConfig {
  public:
    CommonConfig(uint64_t device_features, const std::vector<uint16_t>& queue_max_sizes,
                 uint16_t msix_vectors);

    void read(uint64_t offset, std::span<uint8_t> data) const;
    StatusChange write(uint64_t offset, std::span<const uint8_t> data);

    // Back to the reset state (status 0, features and queues cleared).
    void reset();
    // Sets FEATURES_OK only if the driver's features are acceptable; false otherwise.
    bool accept_features();
    void set_status_bits(uint8_t bits) { state_.status |= bits; }

    uint8_t status() const { return state_.status; }
    uint64_t driver_features() const { return state_.driver_features; }
    uint16_t queue_vector(size_t queue) const { return state_.queue_vectors[queue]; }
    uint16_t config_vector() const { return state_.config_vector; }
    std::vector<Queue>& queues() { return queues_; }
    const CommonConfigState& state() const { return state_; }

  private:
    uint64_t read_register(uint64_t offset, size_t& width) const;
    StatusChange write_register(uint64_t offset, uint64_t value);
    Queue* selected_queue();
    const Queue* selected_queue() const;
    uint16_t checked_vector(uint16_t vector) const {
        return vector < msix_vectors_ ? vector : kNoVector;
    }

    uint64_t device_features_;
    uint16_t msix_vectors_;
    CommonConfigState state_;
    std::vector<Queue> queues_;
};

}  // namespace zapotec::virtio
