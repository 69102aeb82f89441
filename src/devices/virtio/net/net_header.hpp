// The header in front of every virtio-net frame (virtio 1.x, 5.1.6: struct
// virtio_net_hdr_v1), and the size limits of a frame.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zapotec::virtio {

struct VirtioNetHeader {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    // How many RX chains the frame spans; 1 without VIRTIO_NET_F_MRG_RXBUF.
    uint16_t num_buffers;
};
static_assert(sizeof(VirtioNetHeader) == 12);
static_assert(offsetof(VirtioNetHeader, gso_size) == 4);
static_assert(offsetof(VirtioNetHeader, csum_start) == 6);
static_assert(offsetof(VirtioNetHeader, num_buffers) == 10);

inline constexpr size_t kNetHeaderSize = sizeof(VirtioNetHeader);

// flags
inline constexpr uint8_t kNetHeaderNeedsCsum = 1;
inline constexpr uint8_t kNetHeaderDataValid = 2;
// gso_type
inline constexpr uint8_t kNetHeaderGsoNone = 0;
inline constexpr uint8_t kNetHeaderGsoTcpV4 = 1;
inline constexpr uint8_t kNetHeaderGsoUdp = 3;
inline constexpr uint8_t kNetHeaderGsoTcpV6 = 4;
inline constexpr uint8_t kNetHeaderGsoEcn = 0x80;

// The longest frame (without the header) either way: a 64 KiB GSO packet with its Ethernet
// header and a VLAN tag fits. The tap never produces more, and a longer TX chain is dropped.
inline constexpr size_t kMaxFrameLength = 65562;
inline constexpr size_t kMaxFrameWithHeader = kMaxFrameLength + kNetHeaderSize;

}  // namespace zapotec::virtio
