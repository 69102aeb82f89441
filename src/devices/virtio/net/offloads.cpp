// Feature bits <-> TUNSETOFFLOAD flags.
#include "devices/virtio/net/offloads.hpp"

#include <linux/if_tun.h>

#include <array>

namespace zapotec::virtio {

namespace {

struct OffloadPair {
    uint64_t feature;
    unsigned tun_flag;
};

// The segmentation offloads; each needs checksum offload as well.
constexpr std::array<OffloadPair, 4> kSegmentation{{
    {kNetFeatureGuestTso4, TUN_F_TSO4},
    {kNetFeatureGuestTso6, TUN_F_TSO6},
    {kNetFeatureGuestEcn, TUN_F_TSO_ECN},
    {kNetFeatureGuestUfo, TUN_F_UFO},
}};

}  // namespace

uint64_t guest_offload_features(unsigned tun_offloads) {
    if (!(tun_offloads & TUN_F_CSUM))
        return 0;
    uint64_t features = kNetFeatureGuestCsum;
    for (const OffloadPair& pair : kSegmentation) {
        if (tun_offloads & pair.tun_flag)
            features |= pair.feature;
    }
    // ECN is a variant of TCP segmentation; without either TSO it means nothing.
    if (!(features & (kNetFeatureGuestTso4 | kNetFeatureGuestTso6)))
        features &= ~kNetFeatureGuestEcn;
    return features;
}

unsigned tun_offloads_for(uint64_t acked_features) {
    if (!(acked_features & kNetFeatureGuestCsum))
        return 0;
    unsigned flags = TUN_F_CSUM;
    for (const OffloadPair& pair : kSegmentation) {
        if (acked_features & pair.feature)
            flags |= pair.tun_flag;
    }
    // The tap refuses TUN_F_TSO_ECN without a TSO flag (EINVAL), and so does the spec.
    if (!(flags & (TUN_F_TSO4 | TUN_F_TSO6)))
        flags &= ~static_cast<unsigned>(TUN_F_TSO_ECN);
    return flags;
}

}  // namespace zapotec::virtio
