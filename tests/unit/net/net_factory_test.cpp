// Tests of building a network device from a network-interfaces entry: errors name the
// config field, and a real tap (when this host allows creating one) gives a working device.
#include "devices/virtio/net/net_factory.hpp"

#include "devices/virtio/net/offloads.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

namespace zapotec::virtio {
namespace {

TEST(NetFactory, BadTapNamesTheField) {
    NetworkInterfaceConfig config{.iface_id = "eth0", .host_dev_name = "no/tap"};
    auto device = create_net_device(config, 2);
    ASSERT_FALSE(device.has_value());
    EXPECT_EQ(device.error().message().rfind(
                  "network-interfaces[2].host_dev_name: cannot open tap 'no/tap': ", 0),
              0u)
        << device.error().message();
}

TEST(NetFactory, RealTapMakesADevice) {
    if (::access("/dev/net/tun", R_OK | W_OK) != 0)
        GTEST_SKIP() << "no /dev/net/tun";
    NetworkInterfaceConfig config{.iface_id = "eth0",
                                  .host_dev_name = "ztest" + std::to_string(::getpid()) + "f",
                                  .mtu = 1500};
    config.tx_rate_limiter =
        RateLimiterConfig{TokenBucketConfig{100, std::nullopt, 0}, std::nullopt};
    auto bad = create_net_device(config, 0);
    if (!bad && bad.error().code() == EPERM)
        GTEST_SKIP() << bad.error().message();
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().message(),
              "network-interfaces[0].tx_rate_limiter.bandwidth.refill_time: must not be 0 "
              "when size is not 0");

    config.tx_rate_limiter.reset();
    auto device = create_net_device(config, 0);
    ASSERT_TRUE(device.has_value()) << device.error().message();
    EXPECT_EQ((*device)->name(), "net eth0");
    EXPECT_TRUE((*device)->device_features() & kNetFeatureMtu);
    EXPECT_TRUE((*device)->device_features() & kNetFeatureGuestCsum);
}

}  // namespace
}  // namespace zapotec::virtio
