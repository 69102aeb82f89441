// ELF vmlinux parsing: program headers, loadable segments and the PVH entry note.
#include "loader/elf_pvh.hpp"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "arch/x86_64/layout.hpp"
#include "loader/file_bytes.hpp"

namespace zapotec {

namespace {

static_assert(sizeof(Elf64_Ehdr) == 64);
static_assert(sizeof(Elf64_Phdr) == 56);
static_assert(sizeof(Elf64_Nhdr) == 12);

constexpr char kXenNoteName[] = "Xen";  // With its NUL: n_namesz is 4.

uint64_t align_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

Result<> check_header(const Elf64_Ehdr& header) {
    const unsigned char* ident = header.e_ident;
    if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB)
        return make_error("ELF kernel is not 64-bit little-endian");
    if (header.e_machine != EM_X86_64)
        return make_error("ELF kernel is for machine {}, not x86_64", header.e_machine);
    if (header.e_type != ET_EXEC)
        return make_error("ELF kernel is of type {}, not an executable", header.e_type);
    if (header.e_phentsize != sizeof(Elf64_Phdr))
        return make_error("ELF program header size is {}, not 56", header.e_phentsize);
    if (header.e_phnum == 0 || header.e_phnum == PN_XNUM)
        return make_error("ELF kernel has {} program headers", header.e_phnum);
    return {};
}

// Walks the notes of one PT_NOTE segment; returns the PVH entry if the segment has one.
Result<std::optional<uint64_t>> find_pvh_entry(std::span<const uint8_t> notes, uint64_t align) {
    uint64_t position = 0;
    while (position < notes.size()) {
        auto note = read_at<Elf64_Nhdr>(notes, position);
        if (!note)
            return make_error("ELF note at segment offset {:#x} is truncated", position);
        uint64_t name_offset = position + sizeof(Elf64_Nhdr);
        uint64_t desc_offset = align_up(name_offset + note->n_namesz, align);
        uint64_t next = align_up(desc_offset + note->n_descsz, align);
        if (!range_within(desc_offset, note->n_descsz, notes.size()))
            return make_error("ELF note at segment offset {:#x} is truncated", position);

        bool is_xen =
            note->n_namesz == sizeof(kXenNoteName) &&
            std::memcmp(notes.data() + name_offset, kXenNoteName, sizeof(kXenNoteName)) == 0;
        if (is_xen && note->n_type == kXenElfNotePhys32Entry) {
            // Linux emits the entry as a pointer-sized value: 8 bytes on x86_64, 4 elsewhere.
            if (note->n_descsz == sizeof(uint32_t))
                return *read_at<uint32_t>(notes, desc_offset);
            if (note->n_descsz == sizeof(uint64_t))
                return *read_at<uint64_t>(notes, desc_offset);
            return make_error("PVH entry note has a {}-byte value", note->n_descsz);
        }
        position = next;
    }
    return std::nullopt;
}

Result<LoadSegment> load_segment(const Elf64_Phdr& phdr, uint64_t file_size) {
    if (!range_within(phdr.p_offset, phdr.p_filesz, file_size))
        return make_error("ELF segment at file offset {:#x} runs past the end of the file",
                          phdr.p_offset);
    if (phdr.p_filesz > phdr.p_memsz)
        return make_error("ELF segment at {:#x} has more file than memory bytes", phdr.p_paddr);
    if (phdr.p_paddr > UINT64_MAX - phdr.p_memsz)
        return make_error("ELF segment at {:#x} wraps around", phdr.p_paddr);
    if (phdr.p_paddr < x86_64::kHighMemoryStart) {
        return make_error("ELF segment at {:#x} overlaps the boot data below {:#x}", phdr.p_paddr,
                          x86_64::kHighMemoryStart);
    }
    return LoadSegment{
        .file_offset = phdr.p_offset,
        .file_size = phdr.p_filesz,
        .address = GuestAddress(phdr.p_paddr),
        .memory_size = phdr.p_memsz,
    };
}

}  // namespace

bool looks_like_elf(std::span<const uint8_t> file) {
    return file.size() >= SELFMAG && std::memcmp(file.data(), ELFMAG, SELFMAG) == 0;
}

Result<ParsedKernel> parse_elf_pvh(std::span<const uint8_t> file) {
    if (!looks_like_elf(file))
        return make_error("file has no ELF magic");
    auto header = read_at<Elf64_Ehdr>(file, 0);
    if (!header)
        return make_error("ELF header is truncated: the file has {} bytes", file.size());
    TRY(check_header(*header));
    uint64_t table_size = uint64_t{header->e_phnum} * sizeof(Elf64_Phdr);
    if (!range_within(header->e_phoff, table_size, file.size()))
        return make_error("ELF program headers run past the end of the file");

    ParsedKernel parsed;
    std::optional<uint64_t> entry;
    for (uint64_t i = 0; i < header->e_phnum; ++i) {
        auto phdr = *read_at<Elf64_Phdr>(file, header->e_phoff + i * sizeof(Elf64_Phdr));
        if (phdr.p_type == PT_LOAD && phdr.p_memsz != 0) {
            parsed.segments.push_back(TRY(load_segment(phdr, file.size())));
        } else if (phdr.p_type == PT_NOTE && !entry) {
            if (!range_within(phdr.p_offset, phdr.p_filesz, file.size()))
                return make_error("ELF note segment runs past the end of the file");
            // Like readelf: notes are 8-byte aligned only in segments that say so.
            uint64_t align = phdr.p_align == 8 ? 8 : 4;
            entry = TRY(find_pvh_entry(file.subspan(phdr.p_offset, phdr.p_filesz), align));
        }
    }
    if (parsed.segments.empty())
        return make_error("ELF kernel has no loadable segments");
    if (!entry)
        return make_error("ELF kernel has no PVH entry note");
    if (*entry > UINT32_MAX)
        return make_error("PVH entry {:#x} is above 4 GiB", *entry);

    KernelImage& image = parsed.image;
    image.format = KernelFormat::kElfPvh;
    image.entry = GuestAddress(*entry);
    image.load_address = parsed.segments.front().address;
    bool entry_loaded = false;
    for (const auto& segment : parsed.segments) {
        image.load_address = std::min(image.load_address, segment.address);
        image.end = std::max(image.end, segment.address.value + segment.memory_size);
        entry_loaded |=
            *entry >= segment.address.value && *entry - segment.address.value < segment.memory_size;
    }
    if (!entry_loaded)
        return make_error("PVH entry {:#x} lies outside the loaded segments", *entry);
    // Linux truncates longer command lines; COMMAND_LINE_SIZE is 2048 on x86.
    image.cmdline_size = 2047;
    return parsed;
}

}  // namespace zapotec
