// Reads kernel and initrd files: whole into host memory, or straight into guest memory.
#include "loader/file_bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace zapotec {

Result<OpenFile> open_regular_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return errno_error(fmt::format("open {}", path));
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0)
        return errno_error(fmt::format("stat {}", path));
    if (!S_ISREG(info.st_mode))
        return make_error("{} is not a regular file", path);
    return OpenFile{std::move(fd), static_cast<uint64_t>(info.st_size), path};
}

Result<> read_file_prefix(const OpenFile& file, std::span<uint8_t> out) {
    size_t done = 0;
    while (done < out.size()) {
        ssize_t got =
            ::pread(file.fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return errno_error(fmt::format("read {}", file.path));
        if (got == 0)
            return make_error("{} shrank while it was being read", file.path);
        done += static_cast<size_t>(got);
    }
    return {};
}

Result<std::vector<uint8_t>> read_whole_file(const std::string& path, uint64_t max_size) {
    OpenFile file = TRY(open_regular_file(path));
    if (file.size > max_size)
        return make_error("{} is {} bytes, more than the {} allowed", path, file.size, max_size);
    std::vector<uint8_t> bytes(file.size);
    TRY(read_file_prefix(file, bytes));
    return bytes;
}

}  // namespace zapotec
