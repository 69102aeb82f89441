/* The boot benchmark's guest: tests/payloads/hello.S made to end every VMM we compare.
   It prints "ZAPOTEC-PAYLOAD: hello" on COM1 (port 0x3f8), then writes the ACPI sleep
   value 0x34 (SLP_TYP 5 = S5, SLP_EN) to the HW-reduced ACPI sleep control register of
   each VMM, in this order:
     - port 0x600: zapotec's sleep control register (zapotec exits here; the MMIO write
       below is never reached under zapotec);
     - MMIO 0xfea00200: QEMU microvm's ACPI GED sleep control register (GED_MMIO_BASE_REGS,
       offset 0 = ACPI_GED_REG_SLEEP_CTL); QEMU ignores the port write above, which hits
       no device there, and shuts down in an orderly way on this one (exit status 0).
   Built with -DBENCH_HOLD it stops after the marker instead (hlt with interrupts off, so
   the vCPU sleeps without using CPU): bench/boot_time.py reads the VMM's /proc/PID/smaps
   while it is alive to see how much guest RAM is resident, then kills it.
   Entered through the PVH note in 32-bit protected mode, paging off: addresses are physical. */
#include "pvh_note.inc"
        .text
        .code32
        .globl _start
_start:
        mov     $message, %esi
        mov     $0x3f8, %dx
1:      lodsb
        test    %al, %al
        jz      2f
        outb    %al, %dx
        jmp     1b
2:
#ifndef BENCH_HOLD
        mov     $0x600, %dx
        mov     $0x34, %al
        outb    %al, %dx
        movb    $0x34, 0xfea00200
#endif
3:      hlt
        jmp     3b

        .section .rodata
message:
        .asciz  "ZAPOTEC-PAYLOAD: hello\n"
