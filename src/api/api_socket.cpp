// The API's listening socket: stale-socket replacement and 0600 permissions.
#include "api/api_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace zapotec::api {

namespace {

Result<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(address.sun_path))
        return make_error("API socket path \"{}\": must be 1 to {} bytes long", path,
                          sizeof(address.sun_path) - 1);
    std::memcpy(address.sun_path, path.data(), path.size());
    return address;
}

// Removes a socket file nobody listens on; refuses anything else that exists at `path`.
Result<> remove_stale_socket(const std::string& path, const sockaddr_un& address) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
        if (errno == ENOENT)
            return {};
        return errno_error(fmt::format("API socket {}", path));
    }
    if (!S_ISSOCK(info.st_mode))
        return make_error("API socket {}: exists and is not a socket; not replacing it", path);
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe)
        return errno_error("socket");
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0)
        return make_error("API socket {}: another process is serving it", path);
    if (errno != ECONNREFUSED)
        return errno_error(fmt::format("API socket {}: cannot tell whether it is stale", path));
    if (::unlink(path.c_str()) != 0)
        return errno_error(fmt::format("API socket {}: cannot remove the stale socket", path));
    return {};
}

}  // namespace

Result<UniqueFd> listen_unix_socket(const std::string& path) {
    sockaddr_un address = TRY(unix_address(path));
    TRY(remove_stale_socket(path, address));
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return errno_error("socket");
    // Linux creates the socket file with the socket inode's mode (less the umask), so the
    // file is never reachable by others, not even between bind() and chmod().
    if (::fchmod(fd.get(), 0600) != 0)
        return errno_error("fchmod API socket");
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
        return errno_error(fmt::format("bind API socket {}", path));
    if (::chmod(path.c_str(), 0600) != 0 || ::listen(fd.get(), 16) != 0) {
        Error error = Error::from_errno(fmt::format("API socket {}", path));
        ::unlink(path.c_str());
        return std::unexpected(error);
    }
    return fd;
}

}  // namespace zapotec::api
