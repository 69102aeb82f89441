#include "memory/guest_memory.hpp"

#include <algorithm>
#include <cstring>

namespace zapotec {

namespace {
constexpr uint64_t kPageSize = 4096;
}

Result<GuestMemory> GuestMemory::create(const std::vector<GuestRegionSpec>& specs) {
    std::vector<GuestRegionSpec> sorted = specs;
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.start < b.start; });
    std::vector<GuestRegion> regions;
    uint64_t previous_end = 0;
    for (const auto& spec : sorted) {
        if (spec.size == 0 || spec.size % kPageSize != 0 || spec.start.value % kPageSize != 0) {
            return make_error("guest memory region at {:#x} of {:#x} bytes is not page-aligned",
                              spec.start.value, spec.size);
        }
        if (spec.start.value + spec.size < spec.start.value) {
            return make_error("guest memory region at {:#x} wraps around", spec.start.value);
        }
        if (!regions.empty() && spec.start.value < previous_end) {
            return make_error("guest memory regions overlap at {:#x}", spec.start.value);
        }
        auto mapping = TRY(MmapRegion::anonymous(spec.size));
        regions.emplace_back(spec.start, std::move(mapping));
        previous_end = spec.start.value + spec.size;
    }
    return GuestMemory(std::move(regions));
}

uint64_t GuestMemory::total_size() const {
    uint64_t total = 0;
    for (const auto& region : regions_)
        total += region.size();
    return total;
}

uint64_t GuestMemory::end_address() const {
    return regions_.empty() ? 0 : regions_.back().end();
}

const GuestRegion* GuestMemory::find_region(GuestAddress address) const {
    for (const auto& region : regions_) {
        if (address.value >= region.start().value && address.value < region.end())
            return &region;
    }
    return nullptr;
}

Result<std::span<uint8_t>> GuestMemory::slice(GuestAddress address, uint64_t length) const {
    const GuestRegion* region = find_region(address);
    if (!region) {
        // A zero-length access exactly at the end of a region is still in bounds.
        if (length == 0) {
            for (const auto& r : regions_) {
                if (address.value == r.end())
                    return std::span<uint8_t>{};
            }
        }
        return make_error("guest address {:#x} is outside guest memory", address.value);
    }
    uint64_t offset = address.value - region->start().value;
    if (length > region->size() - offset) {
        return make_error("guest range {:#x}+{:#x} crosses the end of guest memory", address.value,
                          length);
    }
    return std::span<uint8_t>(region->host_address() + offset, length);
}

bool GuestMemory::contains_range(GuestAddress address, uint64_t length) const {
    return slice(address, length).has_value();
}

Result<> GuestMemory::read(GuestAddress address, std::span<uint8_t> out) const {
    auto source = TRY(slice(address, out.size()));
    // An empty span may have no data at all, and memcpy() must not be given null.
    if (!out.empty())
        std::memcpy(out.data(), source.data(), out.size());
    return {};
}

Result<> GuestMemory::write(GuestAddress address, std::span<const uint8_t> in) const {
    auto target = TRY(slice(address, in.size()));
    if (!in.empty())
        std::memcpy(target.data(), in.data(), in.size());
    return {};
}

}  // namespace zapotec
