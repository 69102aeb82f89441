// Tests of the boot MSR list and the kvm_msrs buffer.
#include "arch/x86_64/msr.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <set>

namespace zapotec::x86_64 {
namespace {

TEST(BootMsrs, HoldsEachBootValueOnce) {
    const auto msrs = boot_msrs();
    const std::array<std::pair<Msr, uint64_t>, 11> expected{{
        {Msr::SysenterCs, 0},
        {Msr::SysenterEsp, 0},
        {Msr::SysenterEip, 0},
        {Msr::Star, 0},
        {Msr::Lstar, 0},
        {Msr::Cstar, 0},
        {Msr::KernelGsBase, 0},
        {Msr::SyscallMask, 0},
        {Msr::Tsc, 0},
        {Msr::MiscEnable, 1},
        {Msr::MtrrDefType, 0x806},
    }};
    ASSERT_EQ(msrs.size(), expected.size());
    for (const auto& [msr, value] : expected) {
        auto data = find_msr(msrs, msr);
        ASSERT_TRUE(data.has_value()) << data.error().message();
        EXPECT_EQ(*data, value) << std::hex << static_cast<uint32_t>(msr);
    }
    std::set<uint32_t> indices;
    for (const auto& entry : msrs) {
        EXPECT_TRUE(indices.insert(entry.index).second) << "duplicate MSR " << entry.index;
        EXPECT_EQ(entry.reserved, 0u);
    }
}

TEST(BootMsrs, ArchitecturalIndices) {
    EXPECT_EQ(static_cast<uint32_t>(Msr::Tsc), 0x10u);
    EXPECT_EQ(static_cast<uint32_t>(Msr::MiscEnable), 0x1a0u);
    EXPECT_EQ(static_cast<uint32_t>(Msr::MtrrDefType), 0x2ffu);
    EXPECT_EQ(static_cast<uint32_t>(Msr::Lstar), 0xc0000082u);
    EXPECT_EQ(static_cast<uint32_t>(Msr::KernelGsBase), 0xc0000102u);
}

TEST(FindMsr, FailsForAMissingMsr) {
    const std::array<kvm_msr_entry, 1> entries{msr_entry(Msr::Tsc, 5)};
    EXPECT_FALSE(find_msr(entries, Msr::Lstar).has_value());
}

TEST(KvmMsrs, LaysOutEntriesAsTheKernelExpects) {
    const auto msrs = boot_msrs();
    auto buffer = KvmMsrs::from_entries(msrs);
    ASSERT_TRUE(buffer.has_value()) << buffer.error().message();
    ASSERT_EQ(buffer->size(), msrs.size());
    EXPECT_EQ(buffer->get()->nmsrs, msrs.size());

    // The kernel reads nmsrs, a pad word, then the entries from byte 8.
    const auto* bytes = reinterpret_cast<const uint8_t*>(buffer->get());
    for (std::size_t i = 0; i < msrs.size(); ++i) {
        kvm_msr_entry entry{};
        std::memcpy(&entry, bytes + 8 + i * sizeof(kvm_msr_entry), sizeof(entry));
        EXPECT_EQ(entry.index, msrs[i].index);
        EXPECT_EQ(entry.data, msrs[i].data);
    }
}

TEST(KvmMsrs, RejectsMoreEntriesThanKvmAccepts) {
    std::vector<kvm_msr_entry> too_many(kMaxMsrEntries + 1, msr_entry(Msr::Tsc, 0));
    EXPECT_FALSE(KvmMsrs::from_entries(too_many).has_value());
    too_many.pop_back();
    EXPECT_TRUE(KvmMsrs::from_entries(too_many).has_value());
}

TEST(KvmMsrs, SizeFollowsTheCountKvmWritesBack) {
    const std::array<Msr, 3> wanted{Msr::Tsc, Msr::Star, Msr::MtrrDefType};
    auto buffer = msrs_for_reading(wanted);
    ASSERT_TRUE(buffer.has_value());
    EXPECT_EQ(buffer->entries()[2].index, 0x2ffu);
    // KVM_GET_MSRS stops early on an MSR it cannot read and says how many it did.
    buffer->get()->nmsrs = 2;
    EXPECT_EQ(buffer->size(), 2u);
    // A count larger than the buffer is never trusted.
    buffer->get()->nmsrs = 1000;
    EXPECT_EQ(buffer->size(), 3u);
}

TEST(KvmMsrs, CopiesAreIndependent) {
    auto buffer = KvmMsrs::from_entries(boot_msrs());
    ASSERT_TRUE(buffer.has_value());
    KvmMsrs copy = *buffer;
    copy.entries()[0].data = 42;
    EXPECT_EQ(buffer->entries()[0].data, 0u);
    EXPECT_EQ(copy.to_vector().size(), boot_msrs().size());
}

}  // namespace
}  // namespace zapotec::x86_64
