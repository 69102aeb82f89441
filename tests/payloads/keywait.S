/* Prints "ZAPOTEC-PAYLOAD: waiting" on COM1, then counts in a loop, polling the i8042
   status port until a key arrives (Ctrl+Alt+Del from the API), then powers off through the
   ACPI sleep register. It stays up for as long as the test needs a running VM.
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
2:      inc     %ebx            /* A counter the test can watch in the registers. */
        mov     $0x64, %dx
        inb     %dx, %al
        test    $1, %al
        jz      2b
        mov     $0x60, %dx
        inb     %dx, %al
        mov     $0x600, %dx
        mov     $0x34, %al
        outb    %al, %dx
3:      hlt
        jmp     3b

        .section .rodata
message:
        .asciz  "ZAPOTEC-PAYLOAD: waiting\n"
