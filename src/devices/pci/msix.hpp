// MSI-X (PCI 3.0, 6.8.2): the vector table and pending-bit array a device exposes in a BAR,
// and the capability's enable/function-mask bits. Vectors reach the guest through an
// MsiVectors sink (KVM GSI routes plus irqfds in the VMM, a fake in tests).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "base/error.hpp"
#include "base/log_limiter.hpp"

namespace zapotec::pci {

struct MsiMessage {
    uint64_t address = 0;
    uint32_t data = 0;
    bool operator==(const MsiMessage&) const = default;
};

class MsiVectors {
  public:
    virtual ~MsiVectors() = default;
    // Points `vector` at `message`, or stops routing it (nullopt).
    [[nodiscard]] virtual Result<> route(uint16_t vector, std::optional<MsiMessage> message) = 0;
    virtual void trigger(uint16_t vector) = 0;
};

inline constexpr uint16_t kMsixEntrySize = 16;
inline constexpr uint16_t kMsixControlEnable = 1u << 15;
inline constexpr uint16_t kMsixControlFunctionMask = 1u << 14;

class MsixTable {
  public:
    MsixTable(uint16_t vector_count, std::shared_ptr<MsiVectors> sink);

    uint16_t vector_count() const { return static_cast<uint16_t>(entries_.size()); }
    uint64_t table_size() const { return entries_.size() * kMsixEntrySize; }
    uint64_t pba_size() const { return ((entries_.size() + 63) / 64) * 8; }

    void read_table(uint64_t offset, std::span<uint8_t> data);
    void write_table(uint64_t offset, std::span<const uint8_t> data);
    void read_pba(uint64_t offset, std::span<uint8_t> data);
    // The capability's message control word changed (enable, function mask).
    void set_control(uint16_t control);

    // Raises `vector`: delivered now, or left pending while masked. False when MSI-X is off
    // (the caller then has no interrupt to deliver).
    bool signal(uint16_t vector);

  private:
    struct Entry {
        uint32_t address_low = 0;
        uint32_t address_high = 0;
        uint32_t data = 0;
        uint32_t control = 1;  // Bit 0: masked (the reset state).
    };
    bool masked(size_t vector) const;
    // Points the sink at the entry's message unless it already is. Only for a vector that
    // can fire: enabled and unmasked.
    void update_route(size_t vector);
    void deliver_pending();

    std::mutex mutex_;
    std::vector<Entry> entries_;
    std::vector<bool> pending_;
    std::vector<std::optional<MsiMessage>> routed_;
    bool enabled_ = false;
    bool function_masked_ = false;
    std::shared_ptr<MsiVectors> sink_;
    // The guest chooses the messages, so it can make every route fail.
    LogLimiter guest_warnings_;
};

}  // namespace zapotec::pci
