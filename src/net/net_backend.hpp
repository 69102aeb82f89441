// What a virtio-net device sends frames through: a host tap in production, a socketpair in
// tests. Frames carry the 12-byte virtio_net_hdr_v1 in front, both ways.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "base/error.hpp"

namespace zapotec::net {

class NetBackend {
  public:
    virtual ~NetBackend() = default;

    // For logs, e.g. "tap0".
    virtual std::string name() const = 0;
    // A non-blocking fd the event loop watches: readable when a frame can be read, writable
    // when a frame can be written.
    virtual int fd() const = 0;

    // Reads one frame into `buffer`; nullopt when none is waiting. A frame longer than the
    // buffer is truncated (the caller sizes the buffer for the largest frame).
    [[nodiscard]] virtual Result<std::optional<size_t>> read_frame(std::span<uint8_t> buffer) = 0;
    // Writes one frame gathered from `parts`; nullopt when the backend cannot take it now
    // (wait for fd() to become writable and try again).
    [[nodiscard]] virtual Result<std::optional<size_t>> write_frame(
        std::span<const iovec> parts) = 0;

    // The TUN_F_* offloads the backend can be told to produce (see set_offloads()).
    virtual unsigned supported_offloads() const = 0;
    // Which offloaded frames (partial checksums, GSO) the backend may hand to read_frame():
    // only what the guest accepted.
    [[nodiscard]] virtual Result<> set_offloads(unsigned tun_flags) = 0;
};

// read()/writev() of one frame on a non-blocking, message-preserving fd (a tap, a datagram
// socket), mapping EAGAIN to nullopt and retrying EINTR.
[[nodiscard]] Result<std::optional<size_t>> read_frame_from(int fd, std::span<uint8_t> buffer);
[[nodiscard]] Result<std::optional<size_t>> write_frame_to(int fd, std::span<const iovec> parts);

}  // namespace zapotec::net
