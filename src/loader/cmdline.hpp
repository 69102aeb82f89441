// The kernel command line: built from pieces, checked against the kernel's limit and
// written into guest memory at kCmdlineAddress.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "loader/kernel_image.hpp"
#include "memory/guest_memory.hpp"

namespace zapotec {

struct CmdlinePlacement {
    GuestAddress address;
    uint64_t size = 0;  // Bytes written, the terminating NUL included.
};

// Arguments joined by single spaces, e.g. the user's boot_args plus what the VMM adds.
class KernelCmdline {
  public:
    // Appends `args` (surrounding whitespace dropped); a NUL byte is rejected.
    [[nodiscard]] Result<> append(std::string_view args);
    const std::string& str() const { return text_; }

  private:
    std::string text_;
};

// Rejects NUL bytes and lines longer than the kernel's cmdline_size (which excludes the NUL)
// or than Zapotec's command-line buffer.
[[nodiscard]] Result<> validate_cmdline(std::string_view cmdline, const KernelImage& kernel);

// Validates, then writes the line and its NUL at kCmdlineAddress.
[[nodiscard]] Result<CmdlinePlacement> write_cmdline(const GuestMemory& memory,
                                                     std::string_view cmdline,
                                                     const KernelImage& kernel);

}  // namespace zapotec
