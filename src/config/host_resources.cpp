// Checks that the files and memory a VmConfig asks for are available on this host.
#include "config/host_resources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <optional>
#include <string>

#include "base/unique_fd.hpp"

namespace zapotec {

namespace {

enum class Access { kRead, kReadWrite };

enum class FileKind {
    kRegular,         // Kernel and initrd images.
    kRegularOrBlock,  // Drives may also be host block devices.
};

// Opens `path` as the VM will and checks what kind of file it is. O_NONBLOCK keeps a FIFO
// from blocking the check; fstat then refuses it.
Result<> check_file(const std::string& what, const std::string& path, Access access,
                    FileKind kind) {
    int flags = (access == Access::kRead ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    UniqueFd fd(::open(path.c_str(), flags));
    if (!fd) {
        // Name the access mode only when it is what failed.
        bool denied = errno == EACCES || errno == EPERM || errno == EROFS;
        const char* mode = access == Access::kReadWrite && denied ? " for reading and writing" : "";
        return errno_error(fmt::format("{}: cannot open {}{}", what, path, mode));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return errno_error(fmt::format("{}: cannot stat {}", what, path));
    bool regular = S_ISREG(st.st_mode);
    bool block = S_ISBLK(st.st_mode);
    if (kind == FileKind::kRegular && !regular)
        return make_error("{}: {} is not a regular file", what, path);
    if (kind == FileKind::kRegularOrBlock && !regular && !block)
        return make_error("{}: {} is neither a regular file nor a block device", what, path);
    return {};
}

// The value in kB of a "Name:   12345 kB" line, if `line` is that field.
std::optional<uint64_t> meminfo_value(std::string_view line, std::string_view name) {
    if (!line.starts_with(name) || line.size() <= name.size() || line[name.size()] != ':')
        return std::nullopt;
    line.remove_prefix(name.size() + 1);
    while (!line.empty() && line.front() == ' ')
        line.remove_prefix(1);
    uint64_t value = 0;
    auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (error != std::errc() || end == line.data())
        return std::nullopt;
    return value;
}

Result<std::string> read_small_file(const char* path) {
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd)
        return errno_error(fmt::format("cannot open {}", path));
    std::string text;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno_error(fmt::format("cannot read {}", path));
        if (n == 0)
            return text;
        text.append(buffer, static_cast<size_t>(n));
    }
}

}  // namespace

Result<HostMemory> parse_meminfo(std::string_view text) {
    std::optional<uint64_t> mem_total;
    std::optional<uint64_t> swap_total;
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (auto value = meminfo_value(line, "MemTotal"))
            mem_total = value;
        else if (auto swap = meminfo_value(line, "SwapTotal"))
            swap_total = swap;
    }
    if (!mem_total)
        return make_error("/proc/meminfo: no MemTotal line");
    // A kernel built without swap support has no SwapTotal line.
    return HostMemory{.mem_total_kib = *mem_total, .swap_total_kib = swap_total.value_or(0)};
}

Result<> check_memory_fits(uint64_t mem_size_mib, const HostMemory& host) {
    uint64_t mem_total_mib = host.mem_total_kib / 1024;
    uint64_t swap_total_mib = host.swap_total_kib / 1024;
    if (mem_size_mib > mem_total_mib + swap_total_mib)
        return make_error(
            "guest memory of {} MiB is more than the host's MemTotal + SwapTotal ({} MiB + {} "
            "MiB = {} MiB)",
            mem_size_mib, mem_total_mib, swap_total_mib, mem_total_mib + swap_total_mib);
    return {};
}

Result<> check_host_resources(const VmConfig& config) {
    const BootSourceConfig& boot = config.boot_source;
    TRY(check_file("kernel", boot.kernel_image_path, Access::kRead, FileKind::kRegular));
    if (boot.initrd_path)
        TRY(check_file("initrd", *boot.initrd_path, Access::kRead, FileKind::kRegular));
    for (const DriveConfig& drive : config.drives) {
        Access access = drive.is_read_only ? Access::kRead : Access::kReadWrite;
        TRY(check_file(fmt::format("drive {}", drive.drive_id), drive.path_on_host, access,
                       FileKind::kRegularOrBlock));
    }
    std::string meminfo = TRY(read_small_file("/proc/meminfo"));
    HostMemory host = TRY(parse_meminfo(meminfo));
    TRY(check_memory_fits(config.machine.mem_size_mib, host));
    return {};
}

}  // namespace zapotec
