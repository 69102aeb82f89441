// Kernel command-line building, validation and placement.
#include "loader/cmdline.hpp"

#include <algorithm>
#include <vector>

#include "arch/x86_64/layout.hpp"

namespace zapotec {

namespace {
constexpr std::string_view kWhitespace = " \t\n";
}

Result<> KernelCmdline::append(std::string_view args) {
    if (args.find('\0') != std::string_view::npos)
        return make_error("kernel command line argument contains a NUL byte");
    size_t first = args.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos)
        return {};
    args = args.substr(first, args.find_last_not_of(kWhitespace) - first + 1);
    if (!text_.empty())
        text_.push_back(' ');
    text_.append(args);
    return {};
}

Result<> validate_cmdline(std::string_view cmdline, const KernelImage& kernel) {
    if (cmdline.find('\0') != std::string_view::npos)
        return make_error("kernel command line contains a NUL byte");
    uint64_t limit = std::min<uint64_t>(kernel.cmdline_size, x86_64::kCmdlineMaxSize - 1);
    if (cmdline.size() > limit) {
        return make_error("kernel command line is {} bytes; the kernel accepts at most {}",
                          cmdline.size(), limit);
    }
    return {};
}

Result<CmdlinePlacement> write_cmdline(const GuestMemory& memory, std::string_view cmdline,
                                       const KernelImage& kernel) {
    TRY(validate_cmdline(cmdline, kernel));
    std::vector<uint8_t> bytes(cmdline.begin(), cmdline.end());
    bytes.push_back(0);
    GuestAddress address(x86_64::kCmdlineAddress);
    TRY(memory.write(address, bytes));
    return CmdlinePlacement{address, bytes.size()};
}

}  // namespace zapotec
