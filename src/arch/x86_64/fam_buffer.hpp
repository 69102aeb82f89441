// An owning buffer for the KVM structs that end in a flexible array (kvm_msrs, kvm_cpuid2).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <vector>

#include "base/error.hpp"

namespace zapotec::x86_64 {

// The kernel lays these structs out as two 32-bit words (count and padding) followed by the
// entries, so the entries start at byte 8. The buffer places them there itself rather than
// through the struct's `entries` member, whose C++ offset is wrong with Linux 6.1's uapi
// headers unless arch/x86_64/kvm_uapi.hpp came first (see there).
inline constexpr std::size_t kFamHeaderSize = 2 * sizeof(uint32_t);

// Header is the fixed part (kvm_msrs), Entry the element of the trailing array
// (kvm_msr_entry), Count the header member holding the number of entries (&kvm_msrs::nmsrs)
// and MaxEntries the most KVM accepts in one ioctl.
template <class Header, class Entry, auto Count, std::size_t MaxEntries>
class FamBuffer {
  public:
    static constexpr std::size_t kMaxEntries = MaxEntries;

    // A buffer of `count` zeroed entries whose header says `count`.
    [[nodiscard]] static Result<FamBuffer> with_capacity(std::size_t count) {
        if (count > MaxEntries)
            return make_error("{} entries exceed KVM's limit of {}", count, MaxEntries);
        return FamBuffer(count);
    }

    [[nodiscard]] static Result<FamBuffer> from_entries(std::span<const Entry> entries) {
        auto buffer = TRY(with_capacity(entries.size()));
        std::copy(entries.begin(), entries.end(), buffer.entries().begin());
        return buffer;
    }

    FamBuffer(const FamBuffer& other) : FamBuffer(other.capacity_) {
        std::memcpy(storage_.get(), other.storage_.get(), byte_size(capacity_));
    }
    FamBuffer& operator=(const FamBuffer& other) {
        if (this != &other)
            *this = FamBuffer(other);
        return *this;
    }
    // A moved-from buffer may only be assigned to or destroyed.
    FamBuffer(FamBuffer&&) noexcept = default;
    FamBuffer& operator=(FamBuffer&&) noexcept = default;
    ~FamBuffer() = default;

    // The pointer to hand to the ioctl.
    Header* get() { return std::launder(reinterpret_cast<Header*>(storage_.get())); }
    const Header* get() const {
        return std::launder(reinterpret_cast<const Header*>(storage_.get()));
    }

    std::size_t capacity() const { return capacity_; }
    // The number of valid entries: what the header says (KVM lowers it on output), never
    // more than the buffer holds.
    std::size_t size() const { return std::min<std::size_t>(get()->*Count, capacity_); }

    std::span<Entry> entries() { return {entry_data(), size()}; }
    std::span<const Entry> entries() const { return {entry_data(), size()}; }
    std::vector<Entry> to_vector() const { return {entries().begin(), entries().end()}; }

  private:
    static_assert(alignof(Entry) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    static_assert(kFamHeaderSize % alignof(Entry) == 0);

    explicit FamBuffer(std::size_t count)
        : storage_(std::make_unique<std::byte[]>(byte_size(count))), capacity_(count) {
        get()->*Count = static_cast<uint32_t>(count);
    }

    // Room for the kernel's layout, and at least for the C++ struct so that reading the
    // header through Header* stays inside the buffer.
    static std::size_t byte_size(std::size_t count) {
        return std::max(sizeof(Header), kFamHeaderSize + count * sizeof(Entry));
    }

    Entry* entry_data() {
        return std::launder(reinterpret_cast<Entry*>(storage_.get() + kFamHeaderSize));
    }
    const Entry* entry_data() const {
        return std::launder(reinterpret_cast<const Entry*>(storage_.get() + kFamHeaderSize));
    }

    // std::byte arrays from new[] are suitably aligned and implicitly create the header and
    // entry objects that live in them.
    std::unique_ptr<std::byte[]> storage_;
    std::size_t capacity_ = 0;
};

}  // namespace zapotec::x86_64
