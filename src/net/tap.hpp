// A host tap device opened by name: created when it does not exist (which needs
// CAP_NET_ADMIN), attached to otherwise. Frames carry a 12-byte virtio_net_hdr_v1.
#pragma once

#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "net/net_backend.hpp"

namespace zapotec::net {

// The virtio_net_hdr_v1 (with num_buffers) the tap reads and writes before each frame.
inline constexpr int kTapVnetHeaderSize = 12;

class Tap final : public NetBackend {
  public:
    // Opens /dev/net/tun and attaches it to tap `name` (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR),
    // non-blocking. Errors are one line naming the tap and what would fix it, e.g.
    // "cannot open tap 'tap0': Operation not permitted (create it with `ip tuntap add tap0
    // mode tap` or run with CAP_NET_ADMIN)".
    [[nodiscard]] static Result<Tap> open(const std::string& name);

    std::string name() const override { return name_; }
    int fd() const override { return fd_.get(); }
    [[nodiscard]] Result<std::optional<size_t>> read_frame(std::span<uint8_t> buffer) override {
        return read_frame_from(fd_.get(), buffer);
    }
    [[nodiscard]] Result<std::optional<size_t>> write_frame(std::span<const iovec> parts) override {
        return write_frame_to(fd_.get(), parts);
    }
    unsigned supported_offloads() const override { return supported_offloads_; }
    [[nodiscard]] Result<> set_offloads(unsigned tun_flags) override;

  private:
    Tap(std::string name, UniqueFd fd) : name_(std::move(name)), fd_(std::move(fd)) {}
    // Finds which offloads this kernel's tap accepts (UFO came and went across versions).
    void probe_offloads();

    std::string name_;
    UniqueFd fd_;
    unsigned supported_offloads_ = 0;
};

}  // namespace zapotec::net
