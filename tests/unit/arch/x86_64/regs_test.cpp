// Tests of the boot general-purpose, special and FPU registers.
#include "arch/x86_64/regs.hpp"

#include <gtest/gtest.h>

#include "arch/x86_64/fpu.hpp"
#include "arch/x86_64/gdt.hpp"
#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64 {
namespace {

constexpr uint64_t kApicBase = 0xfee0'0900;

// What KVM_GET_SREGS returns after reset, in the fields these functions must change or keep.
kvm_sregs reset_sregs() {
    kvm_sregs sregs{};
    sregs.cr0 = kCr0CacheDisable | kCr0NotWriteThrough | kCr0ExtensionType;
    sregs.apic_base = kApicBase;
    sregs.ldt.type = 2;
    sregs.ldt.present = 1;
    sregs.ldt.limit = 0xffff;
    sregs.cr8 = 0;
    return sregs;
}

TEST(BootRegs, Linux64) {
    const kvm_regs regs = linux64_boot_regs(0x100200, kZeroPageAddress);
    EXPECT_EQ(regs.rip, 0x100200u);
    EXPECT_EQ(regs.rsi, kZeroPageAddress);
    EXPECT_EQ(regs.rsp, kBootStackPointer);
    EXPECT_EQ(regs.rbp, kBootStackPointer);
    EXPECT_EQ(regs.rflags, 0x2u);
    EXPECT_EQ(regs.rax, 0u);
    EXPECT_EQ(regs.rbx, 0u);
    EXPECT_EQ(regs.rdi, 0u);
}

TEST(BootRegs, Pvh) {
    const kvm_regs regs = pvh_boot_regs(0x1000000, kPvhStartInfoAddress);
    EXPECT_EQ(regs.rip, 0x1000000u);
    EXPECT_EQ(regs.rbx, kPvhStartInfoAddress);
    EXPECT_EQ(regs.rflags, 0x2u);
    EXPECT_EQ(regs.rsi, 0u);
}

TEST(BootSregs, LongMode) {
    kvm_sregs sregs = reset_sregs();
    setup_long_mode_sregs(sregs);

    EXPECT_EQ(sregs.cr0, 0x80050033u);  // PG|AM|WP|NE|ET|MP|PE.
    EXPECT_EQ(sregs.cr0 & (kCr0CacheDisable | kCr0NotWriteThrough), 0u);
    EXPECT_EQ(sregs.cr3, kPml4Address);
    EXPECT_EQ(sregs.cr4, 0x620u);   // OSXMMEXCPT|OSFXSR|PAE.
    EXPECT_EQ(sregs.efer, 0x500u);  // LMA|LME.

    EXPECT_EQ(sregs.gdt.base, kGdtAddress);
    EXPECT_EQ(sregs.gdt.limit, 31);
    EXPECT_EQ(sregs.idt.base, kIdtAddress);
    EXPECT_EQ(sregs.idt.limit, kBootIdtSize - 1);

    EXPECT_EQ(sregs.cs.selector, 0x10);
    EXPECT_EQ(sregs.cs.l, 1);
    EXPECT_EQ(sregs.cs.db, 0);
    EXPECT_EQ(sregs.cs.type, 0xb);
    for (const kvm_segment* s : {&sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss}) {
        EXPECT_EQ(s->selector, 0x18);
        EXPECT_EQ(s->type, 0x3);
        EXPECT_EQ(s->present, 1);
        EXPECT_EQ(s->limit, 0xffffffffu);
    }
    EXPECT_EQ(sregs.tr.selector, 0x08);
    EXPECT_EQ(sregs.tr.type, 0xb);
    EXPECT_EQ(sregs.tr.s, 0);
    EXPECT_EQ(sregs.tr.limit, 0x67u);

    // Left as KVM reported them.
    EXPECT_EQ(sregs.apic_base, kApicBase);
    EXPECT_EQ(sregs.ldt.type, 2);
    EXPECT_EQ(sregs.ldt.limit, 0xffffu);
}

TEST(BootSregs, Pvh) {
    kvm_sregs sregs = reset_sregs();
    sregs.cr4 = kCr4Pae;
    sregs.efer = kEferLongModeEnable;
    setup_pvh_sregs(sregs);

    EXPECT_EQ(sregs.cr0, 0x11u);  // ET|PE: protected mode, paging off.
    EXPECT_EQ(sregs.cr3, 0u);
    EXPECT_EQ(sregs.cr4, 0u);
    EXPECT_EQ(sregs.efer, 0u);

    EXPECT_EQ(sregs.gdt.base, kGdtAddress);
    EXPECT_EQ(sregs.cs.base, 0u);
    EXPECT_EQ(sregs.cs.limit, 0xffffffffu);
    EXPECT_EQ(sregs.cs.db, 1);
    EXPECT_EQ(sregs.cs.l, 0);
    EXPECT_EQ(sregs.cs.type, 0xb);
    EXPECT_EQ(sregs.ds.db, 1);
    EXPECT_EQ(sregs.ss.selector, 0x18);
    EXPECT_EQ(sregs.ss.limit, 0xffffffffu);
    // The PVH ABI: TR a busy 32-bit TSS with base 0 and limit 0x67.
    EXPECT_EQ(sregs.tr.type, 0xb);
    EXPECT_EQ(sregs.tr.base, 0u);
    EXPECT_EQ(sregs.tr.limit, 0x67u);
    EXPECT_EQ(sregs.apic_base, kApicBase);
}

TEST(BootFpu, FninitControlWordAndResetMxcsr) {
    const kvm_fpu fpu = boot_fpu();
    EXPECT_EQ(fpu.fcw, 0x37f);
    EXPECT_EQ(fpu.mxcsr, 0x1f80u);
    EXPECT_EQ(fpu.fsw, 0);
    EXPECT_EQ(fpu.ftwx, 0);
    EXPECT_EQ(fpu.last_ip, 0u);
}

}  // namespace
}  // namespace zapotec::x86_64
