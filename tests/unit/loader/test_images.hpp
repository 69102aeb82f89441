// Synthetic kernel images, temporary files and guest memories for the loader and boot tests.
#pragma once

#include <elf.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "loader/setup_header.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec::test {

inline constexpr uint64_t kMiB = 1ull << 20;
inline constexpr uint64_t kGiB = 1ull << 30;

// A file under $TMPDIR (or /tmp) holding `bytes`, removed when the object goes.
class TempFile {
  public:
    explicit TempFile(const std::vector<uint8_t>& bytes) {
        const char* dir = getenv("TMPDIR");
        path_ = std::string(dir && *dir ? dir : "/tmp") + "/zapotec-test-XXXXXX";
        int fd = mkstemp(path_.data());
        EXPECT_GE(fd, 0);
        if (fd >= 0) {
            EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
            close(fd);
        }
    }
    ~TempFile() { unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// Guest RAM from 0, plus optionally a region from 4 GiB on.
inline GuestMemory make_memory(uint64_t low_size, uint64_t high_size = 0) {
    std::vector<GuestRegionSpec> specs{{GuestAddress(0), low_size}};
    if (high_size != 0)
        specs.push_back({GuestAddress(4 * kGiB), high_size});
    auto memory = GuestMemory::create(specs);
    EXPECT_TRUE(memory.has_value());
    return std::move(*memory);
}

struct BzImageSpec {
    uint16_t version = 0x020f;
    uint8_t setup_sects = 4;
    uint8_t loadflags = kLoadFlagLoadedHigh;
    uint16_t xloadflags = kXLoadFlagKernel64 | kXLoadFlagCanBeLoadedAbove4G;
    uint16_t boot_flag = kBootFlagMagic;
    uint8_t header_length = 0x6a;  // The jump's offset: header ends at 0x202 + this.
    uint32_t initrd_addr_max = 0x7fffffff;
    uint32_t kernel_alignment = 0x200000;
    uint8_t relocatable = 1;
    uint32_t cmdline_size = 2047;
    uint64_t pref_address = 16 * kMiB;
    uint32_t init_size = 8 * kMiB;
    uint32_t kernel_info_offset = 0x1234;
    std::string version_string = "6.1.0-test (zapotec) #1 SMP";
    size_t protected_mode_size = 0x3000;
};

// The byte the protected-mode part holds at offset i, so copies can be checked.
inline uint8_t payload_byte(size_t i) {
    return static_cast<uint8_t>(i * 7 + 3);
}

inline std::vector<uint8_t> make_bzimage(const BzImageSpec& spec = {}) {
    size_t setup_sects = spec.setup_sects == 0 ? 4 : spec.setup_sects;
    size_t setup_size = (setup_sects + 1) * 512;
    std::vector<uint8_t> image(setup_size + spec.protected_mode_size, 0);
    SetupHeader header{};
    header.setup_sects = spec.setup_sects;
    header.boot_flag = spec.boot_flag;
    header.jump = static_cast<uint16_t>(0xeb | (spec.header_length << 8));
    header.header = kSetupHeaderMagic;
    header.version = spec.version;
    header.kernel_version = 0x400;  // The string sits at file offset 0x600.
    header.loadflags = spec.loadflags;
    header.code32_start = 0x100000;
    header.initrd_addr_max = spec.initrd_addr_max;
    header.kernel_alignment = spec.kernel_alignment;
    header.relocatable_kernel = spec.relocatable;
    header.xloadflags = spec.xloadflags;
    header.cmdline_size = spec.cmdline_size;
    header.pref_address = spec.pref_address;
    header.init_size = spec.init_size;
    header.kernel_info_offset = spec.kernel_info_offset;
    std::memcpy(image.data() + kSetupHeaderOffset, &header, sizeof(header));
    std::memcpy(image.data() + 0x600, spec.version_string.c_str(), spec.version_string.size() + 1);
    for (size_t i = 0; i < spec.protected_mode_size; ++i)
        image[setup_size + i] = payload_byte(i);
    return image;
}

struct ElfSegmentSpec {
    uint64_t paddr = 16 * kMiB;
    uint64_t file_size = 0x2000;
    uint64_t memory_size = 0x3000;
};

struct ElfSpec {
    std::vector<ElfSegmentSpec> segments{ElfSegmentSpec{}};
    bool with_pvh_note = true;
    bool with_other_note = true;  // A GNU build-id note before the Xen one.
    uint32_t entry_size = 8;      // 8 as x86_64 Linux emits it, or 4.
    uint64_t entry = 16 * kMiB + 0x100;
};

inline void append_note(std::vector<uint8_t>& notes, const char* name, uint32_t type,
                        const std::vector<uint8_t>& desc) {
    uint32_t namesz = static_cast<uint32_t>(std::strlen(name) + 1);
    Elf64_Nhdr header{namesz, static_cast<uint32_t>(desc.size()), type};
    auto* raw = reinterpret_cast<const uint8_t*>(&header);
    notes.insert(notes.end(), raw, raw + sizeof(header));
    notes.insert(notes.end(), name, name + namesz);
    notes.resize((notes.size() + 3) & ~size_t{3});
    notes.insert(notes.end(), desc.begin(), desc.end());
    notes.resize((notes.size() + 3) & ~size_t{3});
}

// An ELF64 x86_64 executable: headers, one PT_NOTE, then each PT_LOAD's bytes.
inline std::vector<uint8_t> make_elf(const ElfSpec& spec = {}) {
    std::vector<uint8_t> notes;
    if (spec.with_other_note)
        append_note(notes, "GNU", NT_GNU_BUILD_ID, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    if (spec.with_pvh_note) {
        std::vector<uint8_t> desc(spec.entry_size);
        std::memcpy(desc.data(), &spec.entry, spec.entry_size);
        append_note(notes, "Xen", 18, desc);
    }
    size_t phnum = spec.segments.size() + 1;
    size_t notes_offset = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
    size_t data_offset = (notes_offset + notes.size() + 0xfff) & ~size_t{0xfff};

    Elf64_Ehdr ehdr{};
    std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
    ehdr.e_ident[EI_CLASS] = ELFCLASS64;
    ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
    ehdr.e_ident[EI_VERSION] = EV_CURRENT;
    ehdr.e_type = ET_EXEC;
    ehdr.e_machine = EM_X86_64;
    ehdr.e_version = EV_CURRENT;
    ehdr.e_entry = 0xffffffff81000000;
    ehdr.e_phoff = sizeof(Elf64_Ehdr);
    ehdr.e_ehsize = sizeof(Elf64_Ehdr);
    ehdr.e_phentsize = sizeof(Elf64_Phdr);
    ehdr.e_phnum = static_cast<uint16_t>(phnum);

    std::vector<Elf64_Phdr> phdrs;
    size_t offset = data_offset;
    for (const auto& segment : spec.segments) {
        Elf64_Phdr phdr{};
        phdr.p_type = PT_LOAD;
        phdr.p_offset = offset;
        phdr.p_vaddr = 0xffffffff80000000 + segment.paddr;
        phdr.p_paddr = segment.paddr;
        phdr.p_filesz = segment.file_size;
        phdr.p_memsz = segment.memory_size;
        phdr.p_align = 0x1000;
        phdrs.push_back(phdr);
        offset += (segment.file_size + 0xfff) & ~uint64_t{0xfff};
    }
    Elf64_Phdr note{};
    note.p_type = PT_NOTE;
    note.p_offset = notes_offset;
    note.p_filesz = notes.size();
    note.p_memsz = notes.size();
    note.p_align = 4;
    phdrs.push_back(note);

    std::vector<uint8_t> file(offset, 0);
    std::memcpy(file.data(), &ehdr, sizeof(ehdr));
    std::memcpy(file.data() + sizeof(ehdr), phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr));
    std::memcpy(file.data() + notes_offset, notes.data(), notes.size());
    for (const auto& phdr : phdrs) {
        if (phdr.p_type != PT_LOAD)
            continue;
        for (size_t i = 0; i < phdr.p_filesz; ++i)
            file[phdr.p_offset + i] = payload_byte(i);
    }
    return file;
}

}  // namespace zapotec::test
