/* A guest that crashes: prints a marker, then executes an undefined instruction with no IDT,
   which escalates to a triple fault (KVM_EXIT_SHUTDOWN). */
#include "pvh_note.inc"
        .text
        .code32
        .globl _start
_start:
        mov     $0x3f8, %dx
        mov     $'X', %al
        outb    %al, %dx
        lidt    empty_idt
        ud2

        .section .rodata
empty_idt:
        .word   0
        .long   0
