/* A minimal guest: prints a marker on COM1 and powers off through the ACPI sleep control
   register (SLP_TYP 5, SLP_EN), the way Linux does on a HW-reduced ACPI machine. Used by the
   integration tests and the boot benchmark. */
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
2:      mov     $0x600, %dx
        mov     $0x34, %al
        outb    %al, %dx
3:      hlt
        jmp     3b

        .section .rodata
message:
        .asciz  "ZAPOTEC-PAYLOAD: hello\n"
