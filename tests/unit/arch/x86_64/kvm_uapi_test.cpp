// Tests that the KVM structs with flexible arrays, and the ioctl numbers that encode their
// sizes, match the kernel's C ABI in C++.
#include "arch/x86_64/kvm_uapi.hpp"

#include <gtest/gtest.h>

#include <cstddef>

namespace zapotec::x86_64 {
namespace {

TEST(KvmUapi, FlexibleArraysStartWhereTheKernelPutsThem) {
    EXPECT_EQ(offsetof(kvm_msrs, entries), 8u);
    EXPECT_EQ(offsetof(kvm_cpuid2, entries), 8u);
    EXPECT_EQ(offsetof(kvm_msr_list, indices), 4u);
    EXPECT_EQ(offsetof(kvm_irq_routing, entries), 8u);
}

TEST(KvmUapi, IoctlNumbersMatchTheCHeaders) {
    // The values a C compiler computes from the same headers.
    EXPECT_EQ(KVM_GET_SUPPORTED_CPUID, 0xc008ae05u);
    EXPECT_EQ(KVM_SET_CPUID2, 0x4008ae90u);
    EXPECT_EQ(KVM_GET_CPUID2, 0xc008ae91u);
    EXPECT_EQ(KVM_GET_MSRS, 0xc008ae88u);
    EXPECT_EQ(KVM_SET_MSRS, 0x4008ae89u);
    EXPECT_EQ(KVM_GET_MSR_INDEX_LIST, 0xc004ae02u);
    EXPECT_EQ(KVM_SET_GSI_ROUTING, 0x4008ae6au);
}

}  // namespace
}  // namespace zapotec::x86_64
