// <linux/kvm.h> made right for C++: include this instead of <linux/kvm.h>, before anything
// else that includes it.
//
// The uapi headers of Linux 6.1 (Debian 12's linux-libc-dev) declare flexible arrays with
// __DECLARE_FLEX_ARRAY, which puts an empty struct before the array. An empty struct has
// size 1 in C++ and 0 in C, so in C++ kvm_msrs, kvm_cpuid2, kvm_irq_routing and their
// kin grow by up to 8 bytes, their `entries` move, and every ioctl number that encodes their
// size changes: KVM_SET_CPUID2 becomes 0x400cae90 instead of 0x4008ae90, and KVM answers
// EINVAL. Linux 6.2 fixed the macro for C++ ("T member[0]"); this does the same here.
#pragma once

#include <linux/stddef.h>

#undef __DECLARE_FLEX_ARRAY
#define __DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[0]

#include <linux/kvm.h>

// These fail when <linux/kvm.h> was included before this header in the translation unit.
static_assert(sizeof(kvm_msrs) == 8, "include arch/x86_64/kvm_uapi.hpp before <linux/kvm.h>");
static_assert(sizeof(kvm_cpuid2) == 8, "include arch/x86_64/kvm_uapi.hpp before <linux/kvm.h>");
static_assert(sizeof(kvm_msr_list) == 4, "include arch/x86_64/kvm_uapi.hpp before <linux/kvm.h>");
static_assert(sizeof(kvm_irq_routing) == 8,
              "include arch/x86_64/kvm_uapi.hpp before <linux/kvm.h>");
static_assert(sizeof(kvm_signal_mask) == 4,
              "include arch/x86_64/kvm_uapi.hpp before <linux/kvm.h>");
