// Builds the e820 map from the guest memory regions and the fixed layout.
#include "arch/x86_64/e820.hpp"

#include <algorithm>

#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64 {

namespace {

// Appends a range, extending the previous entry when it continues it with the same type.
void add_range(std::vector<E820Entry>& map, uint64_t start, uint64_t end, E820Type type) {
    if (start >= end)
        return;
    if (!map.empty() && map.back().type == type && map.back().address + map.back().size == start) {
        map.back().size += end - start;
        return;
    }
    map.push_back(E820Entry{start, end - start, type});
}

}  // namespace

Result<std::vector<E820Entry>> build_e820(const GuestMemory& memory) {
    std::vector<E820Entry> pieces;
    pieces.push_back(E820Entry{kEbdaStart, kHighMemoryStart - kEbdaStart, E820Type::kReserved});
    for (const auto& region : memory.regions()) {
        uint64_t start = region.start().value;
        uint64_t end = region.end();
        if (start < kMmioHoleEnd && end > kMmioHoleStart)
            return make_error("guest RAM {:#x}-{:#x} reaches into the MMIO hole", start, end);
        // The reserved range below 1 MiB wins over RAM that the region may have there.
        if (start < kEbdaStart)
            pieces.push_back(E820Entry{start, std::min(end, kEbdaStart) - start, E820Type::kRam});
        uint64_t high = std::max(start, kHighMemoryStart);
        if (high < end)
            pieces.push_back(E820Entry{high, end - high, E820Type::kRam});
    }
    std::sort(pieces.begin(), pieces.end(),
              [](const E820Entry& a, const E820Entry& b) { return a.address < b.address; });

    std::vector<E820Entry> map;
    for (const auto& piece : pieces)
        add_range(map, piece.address, piece.address + piece.size, piece.type);
    if (map.size() > kE820MaxEntries)
        return make_error("e820 map needs {} entries; at most {} fit", map.size(), kE820MaxEntries);
    return map;
}

}  // namespace zapotec::x86_64
