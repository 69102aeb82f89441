// The HTTP side of the API: Boost.Beast over asio's local stream sockets, on one thread.
// Connections are served concurrently by coroutines, requests one at a time (the VMM call
// blocks the thread, as Firecracker's API thread does). Every read and write has a deadline,
// so a stalled or vanished client costs at most kIoTimeout.
#include "api/api_server.hpp"

#include <unistd.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "api/api_socket.hpp"
#include "api/router.hpp"
#include "api/vmm_channel.hpp"
#include "base/log.hpp"

namespace zapotec {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::local::stream_protocol;
using Stream = beast::basic_stream<stream_protocol, asio::any_io_executor>;

constexpr auto kIoTimeout = std::chrono::seconds(5);
constexpr size_t kMaxHeaderSize = 8 * 1024;
constexpr size_t kMaxConnections = 16;
constexpr auto kDrainTimeout = std::chrono::milliseconds(500);
constexpr size_t kMaxDrainBytes = 1 << 20;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct ApiServer::Impl {
    Impl(std::string path, EventLoop& loop, VmControl& vm_control)
        : socket_path(std::move(path)), control(vm_control), channel(loop) {}

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> session(Stream stream);
    asio::awaitable<void> drain(Stream& stream);
    api::ApiResponse answer(api::ApiRequest request);

    std::string socket_path;
    VmControl& control;
    api::VmmChannel channel;
    api::Router router = api::make_api_router();
    asio::io_context io{1};
    stream_protocol::acceptor acceptor{io};
    size_t connections = 0;
    std::thread thread;
};

namespace {

http::response<http::string_body> to_http(const api::ApiResponse& response, unsigned version,
                                          bool keep_alive) {
    http::response<http::string_body> message{static_cast<http::status>(response.status), version};
    message.set(http::field::server, "Zapotec API");
    if (!response.body.empty()) {
        message.set(http::field::content_type, response.content_type);
        message.body() = response.body;
    }
    message.keep_alive(keep_alive);
    message.prepare_payload();
    return message;
}

// The fault for a request Beast could not read.
api::ApiResponse read_failure(const beast::error_code& error,
                              const http::request_parser<http::string_body>& parser) {
    if (error == http::error::body_limit) {
        // Beast refuses a declared Content-Length over the limit before the header is
        // complete, so the size comes from the field as parsed so far.
        std::string size(parser.get()[http::field::content_length]);
        if (size.empty() || size.find_first_not_of("0123456789") != std::string::npos)
            size = fmt::format("over {}", api::kMaxRequestBodySize);
        return api::ApiResponse::fault(
            400, fmt::format("Request payload with size {} is larger than the limit of {} "
                             "allowed by server.",
                             size, api::kMaxRequestBodySize));
    }
    if (error == http::error::header_limit)
        return api::ApiResponse::fault(
            400, fmt::format("Request headers are larger than {} bytes.", kMaxHeaderSize));
    return api::ApiResponse::fault(400,
                                   fmt::format("Malformed HTTP request: {}.", error.message()));
}

}  // namespace

api::ApiResponse ApiServer::Impl::answer(api::ApiRequest request) {
    // Shared with the task: it may still run on the VMM thread after a timed-out wait.
    auto prepared = std::make_shared<api::PreparedRequest>(router.prepare(request));
    VmControl& vm = control;
    return channel.run([prepared, &vm] { return api::execute(*prepared, vm); });
}

asio::awaitable<void> ApiServer::Impl::session(Stream stream) {
    ++connections;
    beast::flat_buffer buffer;
    while (true) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(api::kMaxRequestBodySize);
        parser.header_limit(kMaxHeaderSize);
        stream.expires_after(kIoTimeout);
        auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, kAwait);
        (void)read_bytes;
        if (read_error == http::error::end_of_stream || read_error == asio::error::eof ||
            read_error == beast::error::timeout || read_error == asio::error::connection_reset)
            break;  // The client left, or stalled: nothing to answer.
        bool failed = static_cast<bool>(read_error);
        api::ApiResponse response;
        unsigned version = 11;
        bool keep_alive = false;
        if (failed) {
            response = read_failure(read_error, parser);
        } else {
            auto& message = parser.get();
            version = message.version();
            keep_alive = message.keep_alive();
            response = answer({std::string(message.method_string()), std::string(message.target()),
                               std::move(message.body())});
        }
        spdlog::debug("API request answered with {}", response.status);
        auto reply = to_http(response, version, keep_alive);
        stream.expires_after(kIoTimeout);
        auto [write_error, written] = co_await http::async_write(stream, reply, kAwait);
        (void)written;
        if (write_error || !keep_alive)
            break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(stream_protocol::socket::shutdown_send, ignored);
    co_await drain(stream);
    --connections;
}

// Reads and drops what the client still sends (the rest of a refused body) for a short while
// before closing: closing a socket with unread data resets the connection, and the client
// could lose the answer it has not read yet.
asio::awaitable<void> ApiServer::Impl::drain(Stream& stream) {
    std::array<char, 4096> scratch;
    size_t total = 0;
    stream.expires_after(kDrainTimeout);
    while (total < kMaxDrainBytes) {
        auto [error, n] = co_await stream.async_read_some(asio::buffer(scratch), kAwait);
        if (error)
            break;
        total += n;
    }
}

asio::awaitable<void> ApiServer::Impl::accept_loop() {
    while (true) {
        auto [error, socket] = co_await acceptor.async_accept(kAwait);
        if (error == asio::error::operation_aborted)
            co_return;
        if (error) {
            // Out of file descriptors, most likely: back off instead of spinning.
            spdlog::warn("API socket: accept failed: {}", error.message());
            asio::steady_timer timer(io, std::chrono::milliseconds(100));
            co_await timer.async_wait(kAwait);
            continue;
        }
        if (connections >= kMaxConnections) {
            spdlog::warn("API socket: more than {} connections, refusing one", kMaxConnections);
            continue;  // The socket closes as it goes out of scope.
        }
        asio::co_spawn(io, session(Stream(std::move(socket))), asio::detached);
    }
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<ApiServer>> ApiServer::start(const std::string& socket_path, EventLoop& loop,
                                                    VmControl& control) {
    UniqueFd fd = TRY(api::listen_unix_socket(socket_path));
    auto impl = std::make_unique<Impl>(socket_path, loop, control);
    beast::error_code error;
    impl->acceptor.assign(stream_protocol(), fd.get(), error);
    if (error) {
        ::unlink(socket_path.c_str());
        return make_error("API socket {}: {}", socket_path, error.message());
    }
    fd.release();
    asio::co_spawn(impl->io, impl->accept_loop(), asio::detached);
    Impl* raw = impl.get();
    impl->thread = std::thread([raw] { raw->io.run(); });
    spdlog::info("API server listening on {}", socket_path);
    return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

ApiServer::~ApiServer() {
    impl_->channel.shutdown();
    impl_->io.stop();
    if (impl_->thread.joinable())
        impl_->thread.join();
    ::unlink(impl_->socket_path.c_str());
}

}  // namespace zapotec
