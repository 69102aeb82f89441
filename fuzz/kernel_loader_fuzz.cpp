// libFuzzer target: arbitrary bytes as a kernel file, through the bzImage and ELF/PVH
// parsers and the loader's bounds-checked copy into a small guest memory.
#include <cstddef>
#include <cstdint>
#include <span>

#include "loader/bzimage.hpp"
#include "loader/elf_pvh.hpp"
#include "loader/kernel_loader.hpp"

namespace {

constexpr uint64_t kGuestMemorySize = 32ull << 20;

const zapotec::GuestMemory& guest_memory() {
    static zapotec::GuestMemory memory =
        std::move(*zapotec::GuestMemory::create({{zapotec::GuestAddress(0), kGuestMemorySize}}));
    return memory;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> file(data, size);
    // Both parsers see every input, whatever its magic says.
    (void)zapotec::parse_bzimage(file);
    (void)zapotec::parse_elf_pvh(file);
    auto parsed = zapotec::parse_kernel_image(file);
    auto loaded = zapotec::load_kernel_image(guest_memory(), file);
    // Parsing and loading must agree on a well-formed image's entry point.
    if (loaded && (!parsed || parsed->image.entry != loaded->entry))
        __builtin_trap();
    return 0;
}
