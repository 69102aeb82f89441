// Initrd placement and loading.
#include "loader/initrd.hpp"

#include <algorithm>

#include "arch/x86_64/layout.hpp"
#include "loader/error_context.hpp"
#include "loader/file_bytes.hpp"

namespace zapotec {

namespace {
constexpr uint64_t kPageSize = 4096;
}

uint64_t low_ram_end(const GuestMemory& memory) {
    for (const auto& region : memory.regions()) {
        if (region.start().value <= x86_64::kHighMemoryStart &&
            x86_64::kHighMemoryStart < region.end())
            return std::min(region.end(), x86_64::kMmioHoleStart);
    }
    return 0;
}

Result<InitrdPlacement> place_initrd(const GuestMemory& memory, uint64_t size,
                                     const KernelImage& kernel) {
    if (size == 0)
        return make_error("initrd is empty");
    uint64_t ceiling = std::min(uint64_t{kernel.initrd_addr_max} + 1, low_ram_end(memory));
    uint64_t floor = (kernel.end + kPageSize - 1) & ~(kPageSize - 1);
    if (size > ceiling || ((ceiling - size) & ~(kPageSize - 1)) < floor) {
        return make_error(
            "initrd of {} bytes does not fit between the kernel's end at {:#x} "
            "and {:#x}",
            size, kernel.end, ceiling);
    }
    return InitrdPlacement{GuestAddress((ceiling - size) & ~(kPageSize - 1)), size};
}

Result<InitrdPlacement> load_initrd(const GuestMemory& memory, const std::string& path,
                                    const KernelImage& kernel) {
    // File errors already name the path.
    OpenFile file = TRY(with_context(open_regular_file(path), "initrd"));
    InitrdPlacement placement =
        TRY(with_context(place_initrd(memory, file.size, kernel), fmt::format("initrd {}", path)));
    auto target = TRY(memory.slice(placement.address, placement.size));
    TRY(with_context(read_file_prefix(file, target), "initrd"));
    return placement;
}

}  // namespace zapotec
