#include "devices/pci/msix.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace zapotec::pci {

MsixTable::MsixTable(uint16_t vector_count, std::shared_ptr<MsiVectors> sink)
    : entries_(vector_count),
      pending_(vector_count, false),
      routed_(vector_count),
      sink_(std::move(sink)) {}

bool MsixTable::masked(size_t vector) const {
    return function_masked_ || (entries_[vector].control & 1);
}

void MsixTable::read_table(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        size_t vector = at / kMsixEntrySize;
        if (vector >= entries_.size()) {
            data[i] = 0xff;
            continue;
        }
        const Entry& entry = entries_[vector];
        const uint32_t words[4] = {entry.address_low, entry.address_high, entry.data,
                                   entry.control};
        uint64_t within = at % kMsixEntrySize;
        data[i] = static_cast<uint8_t>(words[within / 4] >> (8 * (within % 4)));
    }
}

void MsixTable::write_table(uint64_t offset, std::span<const uint8_t> data) {
    std::lock_guard lock(mutex_);
    std::vector<size_t> touched;
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        size_t vector = at / kMsixEntrySize;
        if (vector >= entries_.size())
            continue;
        Entry& entry = entries_[vector];
        uint32_t* words[4] = {&entry.address_low, &entry.address_high, &entry.data, &entry.control};
        uint64_t within = at % kMsixEntrySize;
        uint32_t shift = static_cast<uint32_t>(8 * (within % 4));
        uint32_t& word = *words[within / 4];
        word = (word & ~(0xffu << shift)) | (uint32_t{data[i]} << shift);
        if (touched.empty() || touched.back() != vector)
            touched.push_back(vector);
    }
    for (size_t vector : touched) {
        entries_[vector].control &= 1;  // Only the mask bit is defined.
        if (enabled_ && !masked(vector))
            update_route(vector);
    }
    deliver_pending();
}

void MsixTable::read_pba(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i) {
        uint8_t byte = 0;
        for (size_t bit = 0; bit < 8; ++bit) {
            size_t vector = (offset + i) * 8 + bit;
            if (vector < pending_.size() && pending_[vector])
                byte |= static_cast<uint8_t>(1u << bit);
        }
        data[i] = byte;
    }
}

void MsixTable::set_control(uint16_t control) {
    std::lock_guard lock(mutex_);
    enabled_ = control & kMsixControlEnable;
    function_masked_ = control & kMsixControlFunctionMask;
    if (enabled_) {
        for (size_t vector = 0; vector < entries_.size(); ++vector) {
            if (!masked(vector))
                update_route(vector);
        }
    }
    deliver_pending();
}

// A route is committed only for a vector that can fire (MSI-X on, vector unmasked): each one
// is a KVM_SET_GSI_ROUTING, which waits for an SRCU grace period in the host, and drivers
// write a masked entry a dword at a time. A masked vector keeps its old route, unused,
// because signal() holds it pending; the route is brought up to date before it can fire.
void MsixTable::update_route(size_t vector) {
    const Entry& entry = entries_[vector];
    std::optional<MsiMessage> message =
        MsiMessage{uint64_t{entry.address_high} << 32 | entry.address_low, entry.data};
    if (routed_[vector] == message)
        return;
    if (auto routed = sink_->route(static_cast<uint16_t>(vector), message); !routed) {
        guest_warnings_.warn("MSI-X vector {}: {}", vector, routed.error().message());
        return;
    }
    routed_[vector] = message;
}

void MsixTable::deliver_pending() {
    if (!enabled_)
        return;
    for (size_t vector = 0; vector < entries_.size(); ++vector) {
        if (pending_[vector] && !masked(vector)) {
            pending_[vector] = false;
            sink_->trigger(static_cast<uint16_t>(vector));
        }
    }
}

bool MsixTable::signal(uint16_t vector) {
    std::lock_guard lock(mutex_);
    if (!enabled_ || vector >= entries_.size())
        return false;
    if (masked(vector)) {
        pending_[vector] = true;
    } else {
        sink_->trigger(vector);
    }
    return true;
}

}  // namespace zapotec::pci
