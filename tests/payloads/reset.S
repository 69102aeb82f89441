/* A guest that reboots through the i8042 reset line (command 0xfe on port 0x64), as Linux's
   `reboot -f` does. */
#include "pvh_note.inc"
        .text
        .code32
        .globl _start
_start:
        mov     $0xfe, %al
        outb    %al, $0x64
1:      hlt
        jmp     1b
