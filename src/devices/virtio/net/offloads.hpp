// virtio-net feature bits (virtio 1.x, 5.1.3) and how the offloads the driver accepted
// translate into the tap's TUNSETOFFLOAD flags.
#pragma once

#include <cstdint>

namespace zapotec::virtio {

inline constexpr uint64_t kNetFeatureCsum = 1ull << 0;
inline constexpr uint64_t kNetFeatureGuestCsum = 1ull << 1;
inline constexpr uint64_t kNetFeatureMtu = 1ull << 3;
inline constexpr uint64_t kNetFeatureMac = 1ull << 5;
inline constexpr uint64_t kNetFeatureGuestTso4 = 1ull << 7;
inline constexpr uint64_t kNetFeatureGuestTso6 = 1ull << 8;
inline constexpr uint64_t kNetFeatureGuestEcn = 1ull << 9;
inline constexpr uint64_t kNetFeatureGuestUfo = 1ull << 10;
inline constexpr uint64_t kNetFeatureHostTso4 = 1ull << 11;
inline constexpr uint64_t kNetFeatureHostTso6 = 1ull << 12;
inline constexpr uint64_t kNetFeatureHostEcn = 1ull << 13;
inline constexpr uint64_t kNetFeatureHostUfo = 1ull << 14;
inline constexpr uint64_t kNetFeatureMrgRxbuf = 1ull << 15;
inline constexpr uint64_t kNetFeatureStatus = 1ull << 16;

// What the guest may send us (checksum and segmentation left to the host): the tap accepts
// all of these from its writer whatever its TUNSETOFFLOAD flags.
inline constexpr uint64_t kNetHostOffloads = kNetFeatureCsum | kNetFeatureHostTso4 |
                                             kNetFeatureHostTso6 | kNetFeatureHostEcn |
                                             kNetFeatureHostUfo;

// The GUEST_* features to offer, given the TUN_F_* offloads the tap can produce: a frame
// the guest is handed may only need what the guest accepted.
uint64_t guest_offload_features(unsigned tun_offloads);

// The TUNSETOFFLOAD flags for the features the driver accepted. Pure: the tap may hand us
// a partial checksum only with GUEST_CSUM, and GSO frames only with GUEST_CSUM and the
// matching GUEST_TSO4/TSO6/ECN/UFO (the tap ignores segmentation flags without TUN_F_CSUM).
unsigned tun_offloads_for(uint64_t acked_features);

}  // namespace zapotec::virtio
