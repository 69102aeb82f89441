// The boot vCPU's registers for Linux's 64-bit boot protocol and for the PVH entry point.
#include "arch/x86_64/regs.hpp"

#include "arch/x86_64/gdt.hpp"
#include "arch/x86_64/layout.hpp"

namespace zapotec::x86_64 {

namespace {

// The GDT, IDT and segment registers, the same shape for both entry modes.
void load_boot_segments(kvm_sregs& sregs, CpuMode mode) {
    sregs.gdt.base = kGdtAddress;
    sregs.gdt.limit = static_cast<uint16_t>(kBootGdtSize - 1);
    sregs.idt.base = kIdtAddress;
    sregs.idt.limit = static_cast<uint16_t>(kBootIdtSize - 1);

    sregs.cs = boot_segment(mode, GdtSlot::Code);
    const kvm_segment data = boot_segment(mode, GdtSlot::Data);
    sregs.ds = data;
    sregs.es = data;
    sregs.fs = data;
    sregs.gs = data;
    sregs.ss = data;
    sregs.tr = boot_segment(mode, GdtSlot::Tss);
}

}  // namespace

kvm_regs linux64_boot_regs(uint64_t entry, uint64_t zero_page) {
    kvm_regs regs{};
    regs.rip = entry;
    regs.rsi = zero_page;
    regs.rsp = kBootStackPointer;
    regs.rbp = kBootStackPointer;
    regs.rflags = kRflagsReserved;
    return regs;
}

kvm_regs pvh_boot_regs(uint64_t entry, uint64_t start_info) {
    kvm_regs regs{};
    regs.rip = entry;
    regs.rbx = start_info;
    regs.rflags = kRflagsReserved;
    return regs;
}

void setup_long_mode_sregs(kvm_sregs& sregs) {
    load_boot_segments(sregs, CpuMode::Long64);
    // Assigned, not or-ed in: the reset value of CR0 has CD and NW set.
    sregs.cr0 = kLongModeCr0;
    sregs.cr3 = kPml4Address;
    sregs.cr4 = kLongModeCr4;
    sregs.efer = kLongModeEfer;
}

void setup_pvh_sregs(kvm_sregs& sregs) {
    load_boot_segments(sregs, CpuMode::Protected32);
    sregs.cr0 = kPvhCr0;
    sregs.cr3 = 0;
    sregs.cr4 = 0;
    sregs.efer = 0;
}

}  // namespace zapotec::x86_64
