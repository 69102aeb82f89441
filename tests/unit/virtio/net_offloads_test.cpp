// Tests of the virtio-net header layout and of the offload mapping between feature bits
// and the tap's TUNSETOFFLOAD flags.
#include "devices/virtio/net/offloads.hpp"

#include <gtest/gtest.h>

#include <linux/if_tun.h>

#include "devices/virtio/net/net_header.hpp"

namespace zapotec::virtio {
namespace {

TEST(NetHeader, MatchesVirtioNetHdrV1) {
    VirtioNetHeader header{};
    header.num_buffers = 3;
    auto* bytes = reinterpret_cast<const uint8_t*>(&header);
    EXPECT_EQ(bytes[10], 3);
    EXPECT_EQ(kNetHeaderSize, 12u);
    EXPECT_EQ(kMaxFrameWithHeader, kMaxFrameLength + 12);
}

TEST(NetOffloads, AcceptedFeaturesToTunFlags) {
    EXPECT_EQ(tun_offloads_for(0), 0u);
    EXPECT_EQ(tun_offloads_for(kNetFeatureGuestCsum), static_cast<unsigned>(TUN_F_CSUM));
    uint64_t all = kNetFeatureGuestCsum | kNetFeatureGuestTso4 | kNetFeatureGuestTso6 |
                   kNetFeatureGuestEcn | kNetFeatureGuestUfo;
    EXPECT_EQ(tun_offloads_for(all), static_cast<unsigned>(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
                                                           TUN_F_TSO_ECN | TUN_F_UFO));
    // Segmentation without checksum offload means nothing to the tap.
    EXPECT_EQ(tun_offloads_for(kNetFeatureGuestTso4 | kNetFeatureGuestUfo), 0u);
    // ECN without TSO is refused by the tap, so it is left out.
    EXPECT_EQ(tun_offloads_for(kNetFeatureGuestCsum | kNetFeatureGuestEcn),
              static_cast<unsigned>(TUN_F_CSUM));
    // Host-side features say what the guest sends; they do not change the tap's flags.
    EXPECT_EQ(tun_offloads_for(kNetHostOffloads | kNetFeatureMrgRxbuf), 0u);
}

TEST(NetOffloads, OfferedGuestFeaturesFollowTheTap) {
    EXPECT_EQ(guest_offload_features(0), 0u);
    EXPECT_EQ(guest_offload_features(TUN_F_CSUM), kNetFeatureGuestCsum);
    EXPECT_EQ(
        guest_offload_features(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN),
        kNetFeatureGuestCsum | kNetFeatureGuestTso4 | kNetFeatureGuestTso6 | kNetFeatureGuestEcn);
    EXPECT_TRUE(guest_offload_features(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_UFO) & kNetFeatureGuestUfo);
    EXPECT_EQ(guest_offload_features(TUN_F_TSO4), 0u);
    EXPECT_EQ(guest_offload_features(TUN_F_CSUM | TUN_F_TSO_ECN), kNetFeatureGuestCsum);
}

TEST(NetOffloads, RoundTrip) {
    unsigned tap = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_UFO;
    EXPECT_EQ(tun_offloads_for(guest_offload_features(tap)), tap);
}

}  // namespace
}  // namespace zapotec::virtio
