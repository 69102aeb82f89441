// The API client: serializes with Beast, reads with poll() so that a deadline holds.
#include "api/api_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <cstring>
#include <sstream>

#include "base/unique_fd.hpp"

namespace zapotec::api {

namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

Result<UniqueFd> connect_unix(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(address.sun_path))
        return make_error("socket path \"{}\" is too long", path);
    std::memcpy(address.sun_path, path.data(), path.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return errno_error("socket");
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
        return errno_error(fmt::format("connect to {}", path));
    return fd;
}

std::string serialize(const ApiRequest& request) {
    http::request<http::string_body> message;
    message.method_string(request.method);
    message.target(request.path);
    message.version(11);
    message.set(http::field::host, "localhost");
    message.set(http::field::connection, "close");
    if (!request.body.empty()) {
        message.set(http::field::content_type, "application/json");
        message.body() = request.body;
    }
    message.prepare_payload();
    std::ostringstream out;
    out << message;
    return out.str();
}

// Waits until `fd` is ready for `events` or the deadline passes.
Result<> wait_for(int fd, short events, Clock::time_point deadline) {
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return make_error("no answer from the API socket in time");
        pollfd entry{fd, events, 0};
        int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
        if (ready > 0)
            return {};
        if (ready < 0 && errno != EINTR)
            return errno_error("poll");
    }
}

Result<> send_all(int fd, std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
        TRY(wait_for(fd, POLLOUT, deadline));
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return errno_error("send to the API socket");
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

}  // namespace

Result<ApiResponse> send_api_request(const std::string& socket_path, const ApiRequest& request,
                                     std::chrono::milliseconds timeout) {
    Clock::time_point deadline = Clock::now() + timeout;
    UniqueFd fd = TRY(connect_unix(socket_path));
    TRY(send_all(fd.get(), serialize(request), deadline));

    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    if (request.method == "HEAD")
        parser.skip(true);
    std::string pending;
    bool eof = false;
    while (!parser.is_done()) {
        if (!eof) {
            TRY(wait_for(fd.get(), POLLIN, deadline));
            char chunk[4096];
            ssize_t n = ::recv(fd.get(), chunk, sizeof(chunk), MSG_DONTWAIT);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n < 0)
                return errno_error("read from the API socket");
            eof = n == 0;
            pending.append(chunk, static_cast<size_t>(n));
        }
        boost::beast::error_code error;
        if (eof && pending.empty()) {
            parser.put_eof(error);
            if (error)
                return make_error("the API server closed the connection: {}", error.message());
            break;
        }
        size_t used = parser.put(boost::asio::buffer(pending), error);
        pending.erase(0, used);
        if (error == http::error::need_more) {
            if (eof && used == 0)
                return make_error("the API server closed the connection mid-response");
            continue;
        }
        if (error)
            return make_error("invalid HTTP response: {}", error.message());
    }
    auto& message = parser.get();
    return ApiResponse{static_cast<int>(message.result_int()), std::move(message.body()),
                       std::string(message[http::field::content_type])};
}

}  // namespace zapotec::api
