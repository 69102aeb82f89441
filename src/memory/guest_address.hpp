// A guest-physical address: a distinct type so it is never mixed up with host pointers.
#pragma once

#include <compare>
#include <cstdint>

namespace zapotec {

struct GuestAddress {
    uint64_t value = 0;

    constexpr GuestAddress() = default;
    constexpr explicit GuestAddress(uint64_t v) : value(v) {}

    constexpr GuestAddress operator+(uint64_t offset) const { return GuestAddress(value + offset); }
    constexpr auto operator<=>(const GuestAddress&) const = default;
};

}  // namespace zapotec
