// A small ACPI Machine Language encoder (ACPI 6.5, chapter 20): just the objects Zapotec's
// DSDT needs, each returned as the bytes of one AML term.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace zapotec::x86_64::acpi::aml {

using Bytes = std::vector<uint8_t>;

namespace detail {
// Not constexpr: reaching it during constant evaluation makes the build fail.
void invalid_aml_name();
void invalid_eisa_id();

constexpr bool is_lead_char(char c) {
    return (c >= 'A' && c <= 'Z') || c == '_';
}
constexpr bool is_name_char(char c) {
    return is_lead_char(c) || (c >= '0' && c <= '9');
}
}  // namespace detail

// A NameString such as "_HID", "\\_SB.PCI0" or "^PCI0", checked at compile time: an
// optional root or parent prefix, then dot-separated segments of one to four characters
// (shorter ones are padded with '_').
class NamePath {
  public:
    consteval NamePath(const char* text) : text_(text) {  // NOLINT: implicit by design.
        std::string_view rest = text_;
        if (!rest.empty() && rest.front() == '\\')
            rest.remove_prefix(1);
        while (!rest.empty() && rest.front() == '^')
            rest.remove_prefix(1);
        // A bare prefix ("\\" alone) names the root or a parent: a NullName follows it.
        if (rest.empty() && rest.size() != text_.size())
            return;
        size_t length = 0;
        for (size_t i = 0; i <= rest.size(); ++i) {
            if (i == rest.size() || rest[i] == '.') {
                if (length == 0 || length > 4)
                    detail::invalid_aml_name();
                length = 0;
            } else if (length == 0 ? !detail::is_lead_char(rest[i])
                                   : !detail::is_name_char(rest[i])) {
                detail::invalid_aml_name();
            } else {
                ++length;
            }
        }
    }
    std::string_view text() const { return text_; }

  private:
    std::string_view text_;
};

// EisaId("PNP0A03"): three letters in five bits each, then four hex digits, stored so that
// the bytes read in order are the compressed letters and then the digits.
consteval uint32_t eisa_id(std::string_view id) {
    auto hex = [](char c) -> uint32_t {
        if (c >= '0' && c <= '9')
            return static_cast<uint32_t>(c - '0');
        if (c >= 'A' && c <= 'F')
            return static_cast<uint32_t>(c - 'A' + 10);
        detail::invalid_eisa_id();
        return 0;
    };
    if (id.size() != 7)
        detail::invalid_eisa_id();
    uint32_t letters = 0;
    for (size_t i = 0; i < 3; ++i) {
        if (id[i] < 'A' || id[i] > 'Z')
            detail::invalid_eisa_id();
        letters = (letters << 5) | static_cast<uint32_t>(id[i] - 0x40);
    }
    uint32_t big_endian =
        (letters << 16) | (hex(id[3]) << 12) | (hex(id[4]) << 8) | (hex(id[5]) << 4) | hex(id[6]);
    return ((big_endian & 0xff) << 24) | ((big_endian & 0xff00) << 8) |
           ((big_endian >> 8) & 0xff00) | (big_endian >> 24);
}

// PkgLength for `content_length` bytes that follow it; the encoding counts its own bytes.
// Lengths from 2^28 on cannot be encoded; the ACPI area is far smaller.
[[nodiscard]] Bytes pkg_length(size_t content_length);
// The encoded NameString of a path.
[[nodiscard]] Bytes name_string(NamePath path);
// An integer in its shortest form: Zero, One, or a Byte/Word/DWord/QWord constant.
[[nodiscard]] Bytes integer(uint64_t value);
// A DWordConst regardless of the value, as iasl emits EisaId().
[[nodiscard]] Bytes dword(uint32_t value);
// A String constant (ASCII, no NUL inside).
[[nodiscard]] Bytes string(std::string_view text);
// Name(path, object).
[[nodiscard]] Bytes name(NamePath path, const Bytes& object);
// Package() { elements... }
[[nodiscard]] Bytes package(std::initializer_list<Bytes> elements);
// Buffer() { bytes }
[[nodiscard]] Bytes buffer(std::span<const uint8_t> bytes);
// Device(path) { terms... } and Scope(path) { terms... }
[[nodiscard]] Bytes device(NamePath path, const std::vector<Bytes>& terms);
[[nodiscard]] Bytes scope(NamePath path, const std::vector<Bytes>& terms);

}  // namespace zapotec::x86_64::acpi::aml
