// The boot GDT and empty IDT, and the decoding of a descriptor into a kvm_segment.
#include "arch/x86_64/gdt.hpp"

namespace zapotec::x86_64 {

namespace {

using namespace descriptor;

constexpr uint64_t bits(uint64_t entry, unsigned shift, unsigned width) {
    return low_bits(entry >> shift, width);
}

constexpr uint32_t kPageOffsetMask = 0xfff;
constexpr unsigned kPageShift = 12;

}  // namespace

kvm_segment segment_from_gdt_entry(uint64_t entry, uint16_t selector) {
    const auto base = static_cast<uint32_t>(bits(entry, kBaseLowShift, 24) |
                                            (bits(entry, kBaseHighShift, 8) << 24));
    auto limit = static_cast<uint32_t>(bits(entry, kLimitLowShift, 16) |
                                       (bits(entry, kLimitHighShift, 4) << 16));
    const bool granularity = bits(entry, kGranularityShift, 1) != 0;
    if (granularity)
        limit = (limit << kPageShift) | kPageOffsetMask;
    const bool present = bits(entry, kPresentShift, 1) != 0;

    kvm_segment segment{};
    segment.base = base;
    segment.limit = limit;
    segment.selector = selector;
    segment.type = static_cast<uint8_t>(bits(entry, kTypeShift, 4));
    segment.present = present ? 1 : 0;
    segment.dpl = static_cast<uint8_t>(bits(entry, kDplShift, 2));
    segment.db = static_cast<uint8_t>(bits(entry, kDefaultBigShift, 1));
    segment.s = static_cast<uint8_t>(bits(entry, kCodeOrDataShift, 1));
    segment.l = static_cast<uint8_t>(bits(entry, kLongShift, 1));
    segment.g = granularity ? 1 : 0;
    segment.avl = static_cast<uint8_t>(bits(entry, kAvlShift, 1));
    segment.unusable = present ? 0 : 1;
    return segment;
}

std::array<uint64_t, kBootGdtEntries> boot_gdt(CpuMode mode) {
    const uint16_t code_flags = mode == CpuMode::Long64 ? kCode64Flags : kCode32Flags;
    std::array<uint64_t, kBootGdtEntries> gdt{};
    gdt[static_cast<std::size_t>(GdtSlot::Null)] = 0;
    gdt[static_cast<std::size_t>(GdtSlot::Tss)] = gdt_entry(kTssFlags, 0, kTssLimit);
    gdt[static_cast<std::size_t>(GdtSlot::Code)] = gdt_entry(code_flags, 0, kFlatLimit);
    gdt[static_cast<std::size_t>(GdtSlot::Data)] = gdt_entry(kDataFlags, 0, kFlatLimit);
    return gdt;
}

kvm_segment boot_segment(CpuMode mode, GdtSlot slot) {
    return segment_from_gdt_entry(boot_gdt(mode)[static_cast<std::size_t>(slot)], selector(slot));
}

Result<> write_boot_gdt(const GuestMemory& memory, CpuMode mode) {
    if (auto written = memory.write_obj(GuestAddress(kGdtAddress), boot_gdt(mode)); !written)
        return std::unexpected(written.error().context("boot GDT"));
    const std::array<uint8_t, kBootIdtSize> idt{};
    if (auto written = memory.write_obj(GuestAddress(kIdtAddress), idt); !written)
        return std::unexpected(written.error().context("boot IDT"));
    return {};
}

}  // namespace zapotec::x86_64
