// AML term encodings: names, integers, strings, packages, buffers, devices and scopes.
#include "arch/x86_64/acpi/aml.hpp"

namespace zapotec::x86_64::acpi::aml {

namespace {

// Opcodes (ACPI 6.5, section 20.3).
constexpr uint8_t kZeroOp = 0x00;
constexpr uint8_t kOneOp = 0x01;
constexpr uint8_t kNameOp = 0x08;
constexpr uint8_t kBytePrefix = 0x0a;
constexpr uint8_t kWordPrefix = 0x0b;
constexpr uint8_t kDWordPrefix = 0x0c;
constexpr uint8_t kStringPrefix = 0x0d;
constexpr uint8_t kQWordPrefix = 0x0e;
constexpr uint8_t kScopeOp = 0x10;
constexpr uint8_t kBufferOp = 0x11;
constexpr uint8_t kPackageOp = 0x12;
constexpr uint8_t kExtOpPrefix = 0x5b;
constexpr uint8_t kDeviceOp = 0x82;  // After kExtOpPrefix.
constexpr uint8_t kRootChar = '\\';
constexpr uint8_t kParentPrefixChar = '^';
constexpr uint8_t kDualNamePrefix = 0x2e;
constexpr uint8_t kMultiNamePrefix = 0x2f;
constexpr uint8_t kNullName = 0x00;

void append(Bytes& out, const Bytes& more) {
    out.insert(out.end(), more.begin(), more.end());
}

void append_le(Bytes& out, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

// opcode(s) PkgLength body: the shape of Scope, Device, Package and Buffer.
Bytes with_pkg_length(std::initializer_list<uint8_t> opcodes, const Bytes& body) {
    Bytes out(opcodes);
    append(out, pkg_length(body.size()));
    append(out, body);
    return out;
}

Bytes join(NamePath path, const std::vector<Bytes>& terms) {
    Bytes body = name_string(path);
    for (const auto& term : terms)
        append(body, term);
    return body;
}

}  // namespace

namespace detail {
void invalid_aml_name() {}
void invalid_eisa_id() {}
}  // namespace detail

Bytes pkg_length(size_t content_length) {
    if (content_length + 1 < 0x40)
        return {static_cast<uint8_t>(content_length + 1)};
    // Lead byte: bits 7-6 count the bytes that follow, bits 3-0 are the low nibble.
    for (size_t follow = 1; follow <= 3; ++follow) {
        size_t total = content_length + 1 + follow;
        if (total < (size_t{1} << (4 + 8 * follow))) {
            Bytes out{static_cast<uint8_t>((follow << 6) | (total & 0x0f))};
            append_le(out, total >> 4, static_cast<int>(follow));
            return out;
        }
    }
    return {0xff, 0xff, 0xff, 0xff};  // Unencodable; see the header.
}

Bytes name_string(NamePath path) {
    std::string_view rest = path.text();
    Bytes out;
    if (!rest.empty() && rest.front() == '\\') {
        out.push_back(kRootChar);
        rest.remove_prefix(1);
    }
    while (!rest.empty() && rest.front() == '^') {
        out.push_back(kParentPrefixChar);
        rest.remove_prefix(1);
    }
    std::vector<std::string_view> segments;
    while (!rest.empty()) {
        size_t dot = rest.find('.');
        segments.push_back(rest.substr(0, dot));
        rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    }
    if (segments.empty()) {
        out.push_back(kNullName);
    } else if (segments.size() == 2) {
        out.push_back(kDualNamePrefix);
    } else if (segments.size() > 2) {
        out.push_back(kMultiNamePrefix);
        out.push_back(static_cast<uint8_t>(segments.size()));
    }
    for (auto segment : segments) {
        for (size_t i = 0; i < 4; ++i)
            out.push_back(i < segment.size() ? static_cast<uint8_t>(segment[i]) : '_');
    }
    return out;
}

Bytes integer(uint64_t value) {
    if (value == 0)
        return {kZeroOp};
    if (value == 1)
        return {kOneOp};
    Bytes out;
    if (value <= 0xff) {
        out.push_back(kBytePrefix);
        append_le(out, value, 1);
    } else if (value <= 0xffff) {
        out.push_back(kWordPrefix);
        append_le(out, value, 2);
    } else if (value <= 0xffff'ffff) {
        out.push_back(kDWordPrefix);
        append_le(out, value, 4);
    } else {
        out.push_back(kQWordPrefix);
        append_le(out, value, 8);
    }
    return out;
}

Bytes dword(uint32_t value) {
    Bytes out{kDWordPrefix};
    append_le(out, value, 4);
    return out;
}

Bytes string(std::string_view text) {
    Bytes out;
    out.reserve(text.size() + 2);
    out.push_back(kStringPrefix);
    for (char c : text)
        out.push_back(static_cast<uint8_t>(c));
    out.push_back(0);
    return out;
}

Bytes name(NamePath path, const Bytes& object) {
    Bytes out{kNameOp};
    append(out, name_string(path));
    append(out, object);
    return out;
}

Bytes package(std::initializer_list<Bytes> elements) {
    Bytes body{static_cast<uint8_t>(elements.size())};  // NumElements.
    for (const auto& element : elements)
        append(body, element);
    return with_pkg_length({kPackageOp}, body);
}

Bytes buffer(std::span<const uint8_t> bytes) {
    Bytes body = integer(bytes.size());  // BufferSize.
    body.insert(body.end(), bytes.begin(), bytes.end());
    return with_pkg_length({kBufferOp}, body);
}

Bytes device(NamePath path, const std::vector<Bytes>& terms) {
    return with_pkg_length({kExtOpPrefix, kDeviceOp}, join(path, terms));
}

Bytes scope(NamePath path, const std::vector<Bytes>& terms) {
    return with_pkg_length({kScopeOp}, join(path, terms));
}

}  // namespace zapotec::x86_64::acpi::aml
