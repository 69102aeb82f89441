// Lookup, insertion and removal in lists of kvm_cpuid_entry2, and the vendor they describe.
#include "arch/x86_64/cpuid_entries.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace zapotec::x86_64 {

namespace {

bool matches(const kvm_cpuid_entry2& entry, uint32_t function, uint32_t index) {
    if (entry.function != function)
        return false;
    return (entry.flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) == 0 || entry.index == index;
}

// The same (function, index) key, comparing the index only when either entry says it matters.
bool same_key(const kvm_cpuid_entry2& a, const kvm_cpuid_entry2& b) {
    const bool indexed = ((a.flags | b.flags) & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) != 0;
    return a.function == b.function && (!indexed || a.index == b.index);
}

}  // namespace

kvm_cpuid_entry2* find_cpuid_entry(std::span<kvm_cpuid_entry2> entries, uint32_t function,
                                   uint32_t index) {
    auto it = std::ranges::find_if(
        entries, [&](const kvm_cpuid_entry2& entry) { return matches(entry, function, index); });
    return it == entries.end() ? nullptr : &*it;
}

const kvm_cpuid_entry2* find_cpuid_entry(std::span<const kvm_cpuid_entry2> entries,
                                         uint32_t function, uint32_t index) {
    auto it = std::ranges::find_if(
        entries, [&](const kvm_cpuid_entry2& entry) { return matches(entry, function, index); });
    return it == entries.end() ? nullptr : &*it;
}

Result<> set_cpuid_entry(std::vector<kvm_cpuid_entry2>& entries, const kvm_cpuid_entry2& entry) {
    auto it = std::ranges::find_if(
        entries, [&](const kvm_cpuid_entry2& existing) { return same_key(existing, entry); });
    if (it != entries.end()) {
        *it = entry;
        return {};
    }
    if (entries.size() >= kMaxCpuidEntries) {
        return make_error(
            "no room for CPUID leaf {:#x} subleaf {}: the list holds KVM's limit "
            "of {} entries",
            entry.function, entry.index, kMaxCpuidEntries);
    }
    entries.push_back(entry);
    return {};
}

void remove_cpuid_subleaves(std::vector<kvm_cpuid_entry2>& entries, uint32_t function,
                            uint32_t first_index) {
    std::erase_if(entries, [&](const kvm_cpuid_entry2& entry) {
        return entry.function == function && entry.index >= first_index;
    });
}

uint32_t max_cpuid_leaf(std::span<const kvm_cpuid_entry2> entries, uint32_t range_base) {
    const kvm_cpuid_entry2* entry = find_cpuid_entry(entries, range_base);
    return entry ? entry->eax : 0;
}

CpuVendor cpu_vendor(std::span<const kvm_cpuid_entry2> entries) {
    const kvm_cpuid_entry2* entry = find_cpuid_entry(entries, leaf::kVendor);
    if (!entry)
        return CpuVendor::Other;
    // The twelve vendor characters come in EBX, EDX, ECX order.
    std::array<char, 3 * sizeof(uint32_t)> name{};
    std::memcpy(name.data(), &entry->ebx, sizeof(uint32_t));
    std::memcpy(name.data() + sizeof(uint32_t), &entry->edx, sizeof(uint32_t));
    std::memcpy(name.data() + 2 * sizeof(uint32_t), &entry->ecx, sizeof(uint32_t));
    const std::string_view vendor(name.data(), name.size());
    if (vendor == "GenuineIntel")
        return CpuVendor::Intel;
    if (vendor == "AuthenticAMD" || vendor == "HygonGenuine")
        return CpuVendor::Amd;
    return CpuVendor::Other;
}

}  // namespace zapotec::x86_64
