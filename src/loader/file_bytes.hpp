// Reading kernel and initrd files, and bounds-checked reads of plain structs out of a file
// held in memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace zapotec {

// True when [offset, offset + length) lies within a buffer of `size` bytes, without overflow.
[[nodiscard]] constexpr bool range_within(uint64_t offset, uint64_t length, uint64_t size) {
    return offset <= size && length <= size - offset;
}

// Copies a T out of `bytes` at `offset`; nothing when it would read past the end. The files
// are little-endian like the host, so no byte swapping is needed.
template <class T>
[[nodiscard]] std::optional<T> read_at(std::span<const uint8_t> bytes, uint64_t offset) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!range_within(offset, sizeof(T), bytes.size()))
        return std::nullopt;
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

// A regular file opened for reading, with its size at the time it was opened.
struct OpenFile {
    UniqueFd fd;
    uint64_t size = 0;
    std::string path;
};

// Opens a regular file for reading; the error names the path.
[[nodiscard]] Result<OpenFile> open_regular_file(const std::string& path);
// Reads the file's first out.size() bytes into `out` (guest memory, say).
[[nodiscard]] Result<> read_file_prefix(const OpenFile& file, std::span<uint8_t> out);
// Reads a whole regular file of at most `max_size` bytes; the error names the path.
[[nodiscard]] Result<std::vector<uint8_t>> read_whole_file(const std::string& path,
                                                           uint64_t max_size);

}  // namespace zapotec
