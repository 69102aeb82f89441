#include "arch/x86_64/reset_vector.hpp"

#include <array>

namespace zapotec::x86_64 {

Result<> write_reset_vector_stub(const GuestMemory& memory) {
    // Real-mode code: mov al, 0xfe; out 0x64, al; 1: hlt; jmp 1b
    constexpr std::array<uint8_t, 7> kStub{0xb0, 0xfe, 0xe6, 0x64, 0xf4, 0xeb, 0xfd};
    return memory.write(GuestAddress(kResetVectorAddress), kStub);
}

}  // namespace zapotec::x86_64
