/* A minimal guest: prints a marker on COM1 and powers off through the HW-reduced ACPI sleep
   control register (SLP_TYP 5 = S5, SLP_EN), the way Linux does. Used by the integration
   tests and by bench/boot_time.py, which boots it under zapotec and QEMU microvm:
     - port 0x600 is zapotec's sleep control register (zapotec exits there; the MMIO write
       below is an unclaimed access it ignores);
     - MMIO 0xfea00200 is QEMU microvm's ACPI GED sleep control register, where QEMU shuts
       down in an orderly way (it ignores the port write).
   Built with -DBENCH_HOLD it stops after the marker instead (hlt with interrupts off), so
   the benchmark can read the live VMM's /proc/PID/smaps.
   Entered through the PVH note in 32-bit protected mode, paging off. */
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
2:      mov     $0x3f0, %dx     /* Boot complete (the boot-timer port, magic 123). */
        mov     $123, %al
        outb    %al, %dx
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
