// The x87 and SSE state a vCPU boots with.
#include "arch/x86_64/fpu.hpp"

namespace zapotec::x86_64 {

kvm_fpu boot_fpu() {
    kvm_fpu fpu{};
    fpu.fcw = kFpuControlWordDefault;
    fpu.mxcsr = kMxcsrDefault;
    return fpu;
}

}  // namespace zapotec::x86_64
