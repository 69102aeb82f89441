// bzImage parsing: the setup header's checks, the protected-mode part's place, and the
// memory the kernel needs while it decompresses itself.
#include "loader/bzimage.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "arch/x86_64/layout.hpp"
#include "loader/file_bytes.hpp"

namespace zapotec {

namespace {

constexpr uint64_t kSectorSize = 512;
// A setup_sects of 0 means 4, for compatibility with ancient kernels.
constexpr uint8_t kDefaultSetupSects = 4;
// The header must reach at least init_size, which 2.12 kernels always have.
constexpr uint64_t kMinimumHeaderEnd =
    kSetupHeaderOffset + offsetof(SetupHeader, init_size) + sizeof(uint32_t);
constexpr size_t kMaxVersionLength = 256;

uint64_t align_up(uint64_t value, uint64_t alignment) {
    if (alignment == 0)
        return value;
    return (value + alignment - 1) / alignment * alignment;
}

// The kernel_version field points (less 0x200) at a NUL-terminated string in the setup code.
std::string read_version(std::span<const uint8_t> file, const SetupHeader& header) {
    if (header.kernel_version == 0)
        return {};
    uint64_t offset = uint64_t{header.kernel_version} + 0x200;
    std::string version;
    for (uint64_t i = offset; i < file.size() && version.size() < kMaxVersionLength; ++i) {
        char c = static_cast<char>(file[i]);
        if (c == '\0')
            break;
        version.push_back(std::isprint(static_cast<unsigned char>(c)) ? c : '?');
    }
    return version;
}

// The setup header as the file has it, with the bytes past its declared end left zero.
Result<SetupHeader> copy_setup_header(std::span<const uint8_t> file) {
    auto jump = read_at<uint16_t>(file, offsetof(SetupHeader, jump) + kSetupHeaderOffset);
    if (!jump || file.size() < kSetupHeaderOffset + sizeof(SetupHeader))
        return make_error("bzImage is truncated: {} bytes hold no whole setup header", file.size());
    // The jump at 0x200 skips the header: its second byte is the header's length past 0x202.
    uint64_t header_end = 0x202 + (*jump >> 8);
    if (header_end < kMinimumHeaderEnd)
        return make_error("bzImage setup header ends at {:#x}, before the 2.12 fields", header_end);
    uint64_t length = std::min<uint64_t>(header_end - kSetupHeaderOffset, sizeof(SetupHeader));
    SetupHeader header{};
    std::memcpy(&header, file.data() + kSetupHeaderOffset, length);
    return header;
}

}  // namespace

bool looks_like_bzimage(std::span<const uint8_t> file) {
    auto magic = read_at<uint32_t>(file, offsetof(SetupHeader, header) + kSetupHeaderOffset);
    return magic && *magic == kSetupHeaderMagic;
}

Result<ParsedKernel> parse_bzimage(std::span<const uint8_t> file) {
    if (!looks_like_bzimage(file))
        return make_error("bzImage has no \"HdrS\" setup header magic at 0x202");
    SetupHeader header = TRY(copy_setup_header(file));
    // SetupHeader is packed: fields are copied out before anything takes a reference to them.
    const uint16_t boot_flag = header.boot_flag;
    const uint64_t pref_address = header.pref_address;
    const uint64_t init_size = header.init_size;
    if (boot_flag != kBootFlagMagic)
        return make_error("bzImage boot_flag is {:#x}, not 0xaa55", boot_flag);
    if (header.version < kBootProtocol2_12) {
        return make_error("bzImage uses boot protocol {}.{}; 2.12 or later is needed",
                          header.version >> 8, header.version & 0xff);
    }
    if (!(header.xloadflags & kXLoadFlagKernel64))
        return make_error("bzImage has no 64-bit entry point (XLF_KERNEL_64 is clear)");
    if (!(header.loadflags & kLoadFlagLoadedHigh))
        return make_error("kernel is a zImage (not loaded high); only bzImages are supported");

    uint64_t setup_sects = header.setup_sects == 0 ? kDefaultSetupSects : header.setup_sects;
    uint64_t setup_size = (setup_sects + 1) * kSectorSize;
    if (setup_size + kBzImage64BitEntryOffset >= file.size()) {
        return make_error(
            "bzImage is truncated: {} bytes of setup code leave no 64-bit kernel "
            "in a {}-byte file",
            setup_size, file.size());
    }
    uint64_t kernel_size = file.size() - setup_size;

    // The kernel decompresses itself into [runs_at, runs_at + init_size): a relocatable one
    // at its load address rounded up to kernel_alignment, but never below pref_address (the
    // configured LOAD_PHYSICAL_ADDR), and a fixed one at pref_address.
    const uint64_t load = x86_64::kHighMemoryStart;
    uint64_t runs_at = std::max(load, pref_address);
    if (header.relocatable_kernel)
        runs_at = std::max(runs_at, align_up(load, header.kernel_alignment));
    if (runs_at > UINT64_MAX - init_size)
        return make_error("bzImage pref_address {:#x} is out of range", pref_address);

    ParsedKernel parsed;
    KernelImage& image = parsed.image;
    image.format = KernelFormat::kBzImage;
    image.load_address = GuestAddress(load);
    image.entry = GuestAddress(load + kBzImage64BitEntryOffset);
    image.end = std::max(load + kernel_size, runs_at + init_size);
    image.version = read_version(file, header);
    image.setup_header = header;
    image.boot_protocol = header.version;
    image.initrd_addr_max = header.initrd_addr_max;
    image.kernel_alignment = header.kernel_alignment;
    image.init_size = header.init_size;
    image.relocatable = header.relocatable_kernel != 0;
    image.xloadflags = header.xloadflags;
    image.cmdline_size = header.cmdline_size;
    image.pref_address = header.pref_address;
    parsed.segments.push_back(LoadSegment{
        .file_offset = setup_size,
        .file_size = kernel_size,
        .address = GuestAddress(load),
        .memory_size = kernel_size,
    });
    return parsed;
}

}  // namespace zapotec
