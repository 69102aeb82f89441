// Kernel loading: format detection, then the parsed segments copied into guest memory.
#include "loader/kernel_loader.hpp"

#include <cstring>

#include "loader/bzimage.hpp"
#include "loader/elf_pvh.hpp"
#include "loader/error_context.hpp"
#include "loader/file_bytes.hpp"

namespace zapotec {

std::optional<KernelFormat> detect_kernel_format(std::span<const uint8_t> file) {
    if (looks_like_elf(file))
        return KernelFormat::kElfPvh;
    if (looks_like_bzimage(file))
        return KernelFormat::kBzImage;
    return std::nullopt;
}

Result<ParsedKernel> parse_kernel_image(std::span<const uint8_t> file) {
    auto format = detect_kernel_format(file);
    if (!format)
        return make_error("not a bzImage or an ELF vmlinux");
    return *format == KernelFormat::kElfPvh ? parse_elf_pvh(file) : parse_bzimage(file);
}

Result<KernelImage> load_kernel_image(const GuestMemory& memory, std::span<const uint8_t> file) {
    ParsedKernel parsed = TRY(parse_kernel_image(file));
    const KernelImage& image = parsed.image;
    // A bzImage needs RAM well past its own bytes to decompress into (init_size).
    uint64_t span = image.end - image.load_address.value;
    if (!memory.contains_range(image.load_address, span)) {
        return make_error(
            "kernel needs guest RAM from {:#x} to {:#x} to boot; the guest's {} MiB "
            "of RAM do not cover it",
            image.load_address.value, image.end, memory.total_size() >> 20);
    }
    for (const auto& segment : parsed.segments) {
        auto target = memory.slice(segment.address, segment.memory_size);
        if (!target) {
            return make_error("kernel segment {:#x}+{:#x} lies outside guest RAM",
                              segment.address.value, segment.memory_size);
        }
        std::memcpy(target->data(), file.data() + segment.file_offset, segment.file_size);
        std::memset(target->data() + segment.file_size, 0, segment.memory_size - segment.file_size);
    }
    return std::move(parsed.image);
}

Result<KernelImage> load_kernel(const GuestMemory& memory, const std::string& path) {
    // File errors already name the path. A kernel larger than guest RAM cannot be loaded.
    auto file = TRY(with_context(read_whole_file(path, memory.total_size()), "kernel"));
    if (!detect_kernel_format(file))
        return make_error("kernel {} is not a bzImage or an ELF vmlinux", path);
    return with_context(load_kernel_image(memory, file), fmt::format("kernel {}", path));
}

}  // namespace zapotec
